// store/migrations.h — the versioned schema of the store, for SQLite and for PostgreSQL.
#pragma once

#include <span>

#include "store/sql.h"

namespace zhisuan {

struct Migration {
  int version;
  const char* sql;
};

// In order of version; the last is the newest this build knows.
std::span<const Migration> Migrations(sql::Dialect dialect);

}  // namespace zhisuan
