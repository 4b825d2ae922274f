// store/job_store.h — durable jobs, tokens and quotas in the platform's SQLite file (schema version 2+).
// Every write is one transaction committed with synchronous=FULL before the caller acts on it; a batch of
// submissions or transitions shares one commit (group commit).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/job_record.h"
#include "util/error.h"

namespace zhisuan {

struct NewJob {
  std::string tenant;
  std::string idempotency_key;  // empty: none
  std::string spec;
  int priority = 0;
  double submitted_at = 0;
};

struct Accepted {
  int64_t id = 0;
  bool existing = false;  // the idempotency key named an earlier job
};

struct JobFilter {
  std::optional<JobState> state;
  std::string tenant;    // empty: all
  std::string center;    // empty: all
  int64_t after_id = 0;  // pagination: ids greater than this
  int limit = 100;
};

struct UsageRow {
  std::string key;  // tenant or center
  int64_t jobs = 0;
  double device_hours = 0, energy_kwh = 0, carbon_kg = 0;
  int64_t energy_fen = 0, price_fen = 0;
};

struct Token {
  std::string tenant;
  std::string role;  // operator or tenant
};

// One change of a job: its new state and the event that records it.
struct Transition {
  JobRecord record;
  std::string detail;
};

class JobStore {
 public:
  // Opens the database at `path`, which OpenSqliteStore has migrated.
  static Result<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Accepts jobs in one transaction; a job whose (tenant, idempotency key) exists returns the earlier id.
  Result<std::vector<Accepted>> Insert(std::span<const NewJob> jobs, double now);
  // Persists transitions (state row and event) in one transaction.
  Status Save(std::span<const Transition> transitions);

  Result<std::optional<JobRecord>> Get(int64_t id);
  Result<std::vector<JobRecord>> List(const JobFilter& filter);
  Result<std::vector<JobRecord>> Unfinished();
  Result<std::vector<JobEvent>> Events(int64_t id);
  // Finished jobs grouped by tenant or center, finishing in [from, to).
  Result<std::vector<UsageRow>> Usage(bool by_tenant, double from, double to);

  // This database's instance id (10 hex digits), fixed at creation.
  Result<std::string> Instance();

  Status AddToken(const std::string& hash, const Token& token, double now);
  Result<std::optional<Token>> FindToken(const std::string& hash);
  Status SetQuota(const std::string& tenant, const std::string& accelerator, int64_t max_devices);
  // tenant -> accelerator -> max devices
  Result<std::vector<std::tuple<std::string, std::string, int64_t>>> Quotas();

 private:
  struct Impl;
  explicit JobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhisuan
