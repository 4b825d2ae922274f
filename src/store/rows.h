// store/rows.h — statements over many rows at once, in the SQL both databases accept: a batch of jobs or
// transitions is a handful of statements instead of several per row (on PostgreSQL every statement is a round
// trip to the server).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "store/sql.h"

namespace zhisuan::sql {

// Rows per statement: well under SQLite's 500 terms of a compound SELECT and its 32,766 parameters.
constexpr size_t kRowsPerStatement = 200;

using Value = std::variant<std::monostate, int64_t, double, std::string>;  // monostate: NULL

struct Column {
  const char* name;
  const char* type;  // BIGINT, FLOAT8 or TEXT
};

// "(?1, ?2), (?3, ?4)": `rows` tuples of `cols` parameters.
std::string Tuples(size_t rows, size_t cols);
// A derived table of `rows` rows with named, typed columns: "SELECT CAST(?1 AS BIGINT) AS job_id, ... UNION
// ALL SELECT ...". Used as FROM (...) AS v.
std::string RowsTable(size_t rows, std::span<const Column> columns);
// Binds values[i] to parameter i + 1.
void BindAll(Statement& st, std::span<const Value> values);

}  // namespace zhisuan::sql
