// tests/testing/postgres.h — a fresh database on the test PostgreSQL server that ctest's `postgres` fixture
// starts (scripts/pg.sh; its URL in BINARY_DIR/postgres/url), dropped with everything in it at the end.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/sql.h"

namespace zhisuan::testing {

// The test server's URL (to its `postgres` database), or empty when no server was started for this build.
std::string PostgresServerUrl();

class TempPostgres {
 public:
  // Creates database zt_PID_N; url() is empty when there is no server (the test then skips, or fails when
  // ZHISUAN_REQUIRE_PG is set, as in the test command).
  TempPostgres();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string server_, name_, url_;
};

// Where a store test runs: a file in a temporary directory (SQLite), or a fresh database (PostgreSQL).
class TestDatabase {
 public:
  explicit TestDatabase(sql::Dialect dialect);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  // What --db takes: a file path or a URL; empty when PostgreSQL was asked for and no server runs.
  const std::string& target() const { return target_; }
  // Why a PostgreSQL case cannot run, or empty. The test command sets ZHISUAN_REQUIRE_PG: then such a case
  // fails instead of skipping.
  std::string missing() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<TempPostgres> pg_;
  std::string target_;
};

// "sqlite" or "postgresql", for parameterised test names.
std::string DialectName(sql::Dialect dialect);

}  // namespace zhisuan::testing

// In a test's SetUp: skips (or fails, under ZHISUAN_REQUIRE_PG) when the database cannot run here.
#define ZHISUAN_NEED_DATABASE(db)                                      \
  do {                                                                 \
    if (const std::string why = (db).missing(); !why.empty()) {        \
      if (std::getenv("ZHISUAN_REQUIRE_PG") != nullptr) FAIL() << why; \
      GTEST_SKIP() << why;                                             \
    }                                                                  \
  } while (false)
