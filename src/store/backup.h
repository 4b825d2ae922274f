// store/backup.h — a copy of a platform's database that can be restored by pointing --db at it.
#pragma once

#include <cstdint>
#include <string>

#include "util/error.h"

namespace zhisuan {

struct BackupSummary {
  int schema_version = 0;
  int64_t jobs = 0;
  int64_t tokens = 0;
};

// Copies the zhisuan database `from` to `to`, a file that must not exist yet, with SQLite's online backup: a
// consistent copy even while a server writes to `from`. The copy is written beside `to`, checked (integrity,
// a zhisuan schema) and only then renamed to `to`, with mode 0600; nothing is left behind when any step
// fails.
Result<BackupSummary> BackupDatabase(const std::string& from, const std::string& to);

}  // namespace zhisuan
