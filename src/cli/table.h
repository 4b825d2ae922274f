// cli/table.h — plain-text tables for terminals, aligned by display width (a CJK character takes two
// columns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zhisuan::cli {

// Columns a UTF-8 string occupies on a terminal.
size_t DisplayWidth(std::string_view utf8);

class Table {
 public:
  enum class Align { kLeft, kRight };

  // One alignment per column; headers give the column count.
  Table(std::vector<std::string> headers, std::vector<Align> align);
  void AddRow(std::vector<std::string> cells);
  // A horizontal rule before the next row (e.g. before a total).
  void AddRule();
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a rule
};

}  // namespace zhisuan::cli
