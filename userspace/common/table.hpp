// SPDX-License-Identifier: GPL-2.0
//
// The tools' text tables (syncsockctl's lists, syncsock-bench's reports):
// columns padded to their widest cell, counted in UTF-8 code points ("µs"),
// two spaces apart, no trailing blanks; or the same table in Markdown.
#pragma once

#include <string>
#include <vector>

namespace syncsock::text {

class Table {
public:
	enum class Align { left, right };
	struct Column {
		std::string title;
		Align align = Align::left;
	};

	explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
	// A table of figures: the first column (what a row is) left-aligned,
	// the others right-aligned; or as @right says, column by column.
	static Table numeric(const std::vector<std::string> &titles,
			     const std::vector<bool> &right = {});

	// A row has one cell per column; missing cells are empty, extra ones
	// are not shown.
	void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
	std::size_t size() const { return rows_.size(); }

	// The table, each line ending in '\n'; without the titles if !@header.
	std::string render(bool header = true) const;
	// A GitHub Markdown table, the alignment in its rule.
	std::string markdown() const;

private:
	std::vector<Column> columns_;
	std::vector<std::vector<std::string>> rows_;
};

} // namespace syncsock::text
