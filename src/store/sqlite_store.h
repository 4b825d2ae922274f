// store/sqlite_store.h — the SQLite Store: WAL mode, synchronous=FULL, versioned schema with migrations.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace zhisuan {

// The newest schema version this build knows.
int LatestSchemaVersion();

// Opens or creates the store at `path` and runs pending migrations. A file that is not a zhisuan database, or
// whose schema is newer than this build's, is a kStore error naming the file.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace zhisuan
