// The parts of store/sql.h common to both drivers.
#include "store/sql.h"

#include <fmt/format.h>

namespace zhisuan::sql {

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

Result<Statement> Connection::Prepare(std::string_view sql, bool keep) {
  Result<std::unique_ptr<StatementImpl>> st = impl_->Prepare(sql, keep);
  if (!st) return std::unexpected(st.error());
  return Statement(std::move(*st));
}

Result<Connection> Connection::Open(const std::string& target, bool create) {
  if (IsPostgresUrl(target)) return OpenPostgres(target);
  return OpenSqlite(target, create);
}

bool IsPostgresUrl(std::string_view target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

std::string Redacted(std::string_view target) {
  if (!IsPostgresUrl(target)) return std::string(target);
  // scheme://user:password@host/...: hide what lies between the first ':' after the scheme and the '@'.
  const size_t start = target.find("://") + 3;
  const size_t at = target.find('@', start);
  if (at == std::string_view::npos) return std::string(target);
  const size_t colon = target.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(target);
  return fmt::format("{}***{}", target.substr(0, colon + 1), target.substr(at));
}

std::string_view DatabaseNow(Dialect dialect) {
  return dialect == Dialect::kPostgres ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
                                       : "((julianday('now') - 2440587.5) * 86400.0)";
}

}  // namespace zhisuan::sql
