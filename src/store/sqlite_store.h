// store/sqlite_store.h — the SQLite Store: WAL mode, synchronous=FULL, versioned schema with migrations.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace zhisuan {

// The newest schema version this build knows.
int LatestSchemaVersion();

// Opens the store at `path`, creating it when no file is there, and runs pending migrations. A file that is
// not a zhisuan database (an empty file, another program's SQLite database, or not SQLite at all), or whose
// schema is newer than this build's, is a kStore error naming the file; with `init`, an empty file or a
// SQLite database without zhisuan's tables is made a zhisuan database instead.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool init = false);

}  // namespace zhisuan
