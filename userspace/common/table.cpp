// SPDX-License-Identifier: GPL-2.0
#include "table.hpp"

#include <algorithm>
#include <string_view>

namespace syncsock::text {
namespace {

// Columns of a terminal a cell takes: its code points (UTF-8 continuation
// bytes take none).
std::size_t width(std::string_view s)
{
	return std::count_if(s.begin(), s.end(),
			     [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; });
}

std::string_view cell(const std::vector<std::string> &row, std::size_t i)
{
	return i < row.size() ? std::string_view(row[i]) : std::string_view();
}

} // namespace

Table Table::numeric(const std::vector<std::string> &titles, const std::vector<bool> &right)
{
	std::vector<Column> columns;
	for (std::size_t i = 0; i < titles.size(); i++) {
		bool r = i < right.size() ? right[i] : i > 0;
		columns.push_back({titles[i], r ? Align::right : Align::left});
	}
	return Table(std::move(columns));
}

std::string Table::render(bool header) const
{
	std::vector<std::size_t> w(columns_.size(), 0);
	for (std::size_t i = 0; i < columns_.size(); i++) {
		if (header)
			w[i] = width(columns_[i].title);
		for (const auto &row : rows_)
			w[i] = std::max(w[i], width(cell(row, i)));
	}

	std::string out;
	auto line = [&](auto &&get) {
		std::string l;
		for (std::size_t i = 0; i < columns_.size(); i++) {
			std::string_view text = get(i);
			std::size_t pad = w[i] - width(text);
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

std::string Table::markdown() const
{
	std::string out = "|";
	for (const auto &c : columns_)
		out += " " + c.title + " |";
	out += "\n|";
	for (const auto &c : columns_)
		out += c.align == Align::right ? " ---: |" : " --- |";
	out += "\n";
	for (const auto &row : rows_) {
		out += "|";
		for (std::size_t i = 0; i < columns_.size(); i++) {
			out += " ";
			out += cell(row, i);
			out += " |";
		}
		out += "\n";
	}
	return out;
}

} // namespace syncsock::text
