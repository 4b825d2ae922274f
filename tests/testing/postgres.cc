#include "testing/postgres.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "store/sql.h"

namespace zhisuan::testing {

std::string PostgresServerUrl() {
  if (const char* url = std::getenv("ZHISUAN_TEST_PG"); url != nullptr && *url != 0) return url;
  std::ifstream in(std::string(ZHISUAN_BINARY_DIR) + "/postgres/url");
  std::string url;
  std::getline(in, url);
  return url;
}

TempPostgres::TempPostgres() : server_(PostgresServerUrl()) {
  if (server_.empty()) return;
  static std::atomic<int> counter{0};
  name_ = fmt::format("zt_{}_{}", getpid(), counter++);
  auto db = sql::OpenPostgres(server_);
  if (!db) {
    std::cerr << "TempPostgres: " << db.error().message << "\n";
    std::abort();
  }
  (void)db->Exec(fmt::format("DROP DATABASE IF EXISTS {}", name_));
  if (Status s = db->Exec(fmt::format("CREATE DATABASE {} TEMPLATE template0", name_)); !s) {
    std::cerr << "TempPostgres: " << s.error().message << "\n";
    std::abort();
  }
  url_ = server_.substr(0, server_.rfind('/') + 1) + name_;
}

TempPostgres::~TempPostgres() {
  if (url_.empty()) return;
  if (auto db = sql::OpenPostgres(server_))
    (void)db->Exec(fmt::format("DROP DATABASE {} WITH (FORCE)", name_));
}

TestDatabase::TestDatabase(sql::Dialect dialect) {
  if (dialect == sql::Dialect::kPostgres) {
    pg_ = std::make_unique<TempPostgres>();
    target_ = pg_->url();
    return;
  }
  dir_ = std::filesystem::temp_directory_path() /
         fmt::format("zhisuan-db-{}-{}", getpid(), reinterpret_cast<uintptr_t>(this));
  std::filesystem::create_directories(dir_);
  target_ = (dir_ / "z.db").string();
}

TestDatabase::~TestDatabase() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string TestDatabase::missing() const {
  if (!target_.empty()) return "";
  return "no test PostgreSQL server: run the tests with ctest (its postgres fixture starts one) or set "
         "ZHISUAN_TEST_PG to a server's URL";
}

std::string DialectName(sql::Dialect dialect) {
  return dialect == sql::Dialect::kPostgres ? "postgresql" : "sqlite";
}

}  // namespace zhisuan::testing
