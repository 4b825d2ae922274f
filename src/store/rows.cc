#include "store/rows.h"

#include <fmt/format.h>

namespace zhisuan::sql {

std::string Tuples(size_t rows, size_t cols) {
  std::string out;
  size_t p = 1;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (size_t c = 0; c < cols; ++c) out += fmt::format("{}?{}", c ? ", " : "", p++);
    out += ')';
  }
  return out;
}

std::string RowsTable(size_t rows, std::span<const Column> columns) {
  std::string out;
  size_t p = 1;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? " UNION ALL SELECT " : "SELECT ";
    for (size_t c = 0; c < columns.size(); ++c) {
      out += fmt::format("{}CAST(?{} AS {}) AS {}", c ? ", " : "", p++, columns[c].type, columns[c].name);
    }
  }
  return out;
}

void BindAll(Statement& st, std::span<const Value> values) {
  for (size_t i = 0; i < values.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            st.BindNull(index);
          else
            st.Bind(index, v);
        },
        values[i]);
  }
}

}  // namespace zhisuan::sql
