// store/sql_store.h — the Store on SQLite (a file: WAL mode, synchronous=FULL) or on PostgreSQL (a
// postgresql:// URL, shared by replicas), with one versioned schema and its migrations.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace zhisuan {

// The newest schema version this build knows.
int LatestSchemaVersion();

// Opens the store `target` names and runs pending migrations. A SQLite file is created when none is there; a
// file that is not a zhisuan database (an empty file, another program's SQLite database, or not SQLite at
// all), or whose schema is newer than this build's, is a kStore error naming the file; with `init`, an empty
// file or a SQLite database without zhisuan's tables is made a zhisuan database instead. A PostgreSQL
// database must exist; it is refused when it holds other tables and no zhisuan schema, unless `init`.
Result<std::unique_ptr<Store>> OpenStore(const std::string& target, bool init = false);

}  // namespace zhisuan
