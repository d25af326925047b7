// SPDX-License-Identifier: GPL-2.0
//
// Aligned text tables: columns padded to their widest cell, two spaces
// apart, numbers right-aligned, no trailing blanks.
#pragma once

#include <string>
#include <vector>

namespace syncsock::cli {

class Table {
public:
	enum class Align { left, right };
	struct Column {
		std::string title;
		Align align = Align::left;
	};

	explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

	// A row has one cell per column; missing cells are empty.
	void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
	std::size_t size() const { return rows_.size(); }

	// The table, each line ending in '\n'; without the titles if !@header.
	std::string render(bool header = true) const;

private:
	std::vector<Column> columns_;
	std::vector<std::vector<std::string>> rows_;
};

} // namespace syncsock::cli
