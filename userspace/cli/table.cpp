// SPDX-License-Identifier: GPL-2.0
#include "table.hpp"

#include <algorithm>

namespace syncsock::cli {

std::string Table::render(bool header) const
{
	std::vector<std::size_t> width(columns_.size(), 0);
	auto cell = [](const std::vector<std::string> &row, std::size_t i) -> std::string_view {
		return i < row.size() ? std::string_view(row[i]) : std::string_view();
	};

	for (std::size_t i = 0; i < columns_.size(); i++) {
		if (header)
			width[i] = columns_[i].title.size();
		for (const auto &row : rows_)
			width[i] = std::max(width[i], cell(row, i).size());
	}

	std::string out;
	auto line = [&](auto &&get) {
		std::string l;
		for (std::size_t i = 0; i < columns_.size(); i++) {
			std::string_view text = get(i);
			std::size_t pad = width[i] - text.size();
			if (i)
				l += "  ";
			if (columns_[i].align == Align::right)
				l.append(pad, ' ');
			l += text;
			if (columns_[i].align == Align::left)
				l.append(pad, ' ');
		}
		l.erase(l.find_last_not_of(' ') + 1);
		out += l;
		out += '\n';
	};

	if (header)
		line([&](std::size_t i) { return std::string_view(columns_[i].title); });
	for (const auto &row : rows_)
		line([&](std::size_t i) { return cell(row, i); });
	return out;
}

} // namespace syncsock::cli
