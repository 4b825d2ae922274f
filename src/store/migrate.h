// store/migrate.h — moving a platform from its SQLite file to PostgreSQL, to run replicas (zhisuan migrate).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace zhisuan {

struct MigrationSummary {
  std::vector<std::pair<std::string, int64_t>>
      tables;            // each table copied and its rows (equal on both sides)
  std::string instance;  // the platform's instance id, kept
};

// Copies every row of the zhisuan SQLite database `sqlite_path` (read in one snapshot) into the PostgreSQL
// database `url`, which is migrated to the same schema and must hold no platform yet (no registry, jobs,
// tokens or audit entries): a migration never merges two platforms. Ids, the audit log's sequence and the
// instance id (which names jobs on their backends) are kept, identity sequences continue after them, and the
// rows of every table are counted on both sides before the one transaction commits. On any error nothing is
// left in PostgreSQL beyond the empty schema.
Result<MigrationSummary> CopyToPostgres(const std::string& sqlite_path, const std::string& url);

}  // namespace zhisuan
