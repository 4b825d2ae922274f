// store/job_store.h — durable jobs, tokens and quotas in the platform's SQLite file (schema version 2+).
// Every write is one transaction committed with synchronous=FULL before the caller acts on it; a batch of
// submissions or transitions shares one commit (group commit).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/job_record.h"
#include "util/error.h"

namespace zhisuan {

// Who made a state-changing call, for the audit log: an API token (its public id, tenant, role) and the
// remote address, or the local CLI (token_id "cli", role operator, remote "local:USER").
struct Actor {
  std::string token_id;
  std::string tenant;
  std::string role;
  std::string remote;
};

// One entry of the append-only audit log (the database refuses UPDATE and DELETE on it).
struct AuditEntry {
  int64_t seq = 0;  // assigned by the store, increasing
  double at = 0;
  Actor by;
  std::string action;  // job.submit, job.cancel, token.create, token.revoke, tenant.limits, quota.set,
                       // center.drain, center.undrain
  std::string target;  // the job id, token id, tenant, center, or tenant/accelerator
  std::string result;  // "ok", or the refusal: "403: ..." (status and message)
  std::string detail;  // what changed, when it says more than the action
};

struct AuditFilter {
  int64_t after_seq = 0;  // pagination: entries after this one
  int limit = 100;
  std::string tenant;  // the actor's tenant; empty: all
  std::string action;  // empty: all
};

struct NewJob {
  std::string tenant;
  std::string idempotency_key;  // empty: none
  std::string spec;
  int priority = 0;
  double submitted_at = 0;
  Actor by;  // audited with the job, in the same transaction
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

// What finished work is grouped by.
enum class UsageBy { kTenant, kCenter, kAccelerator };

struct UsageRow {
  std::string key;     // the tenant, center or accelerator
  std::string center;  // UsageByTenantAndCenter: the center (key is the tenant)
  int64_t jobs = 0;
  double device_hours = 0, energy_kwh = 0, carbon_kg = 0;
  int64_t energy_fen = 0, price_fen = 0, transfer_fee_fen = 0;
};

struct Token {
  std::string tenant;
  std::string role;  // operator or tenant
};

struct TokenInfo {
  std::string id;  // the first 12 hex digits of the hash: public, names the token in lists and revocations
  std::string hash;
  Token token;
  std::string label;
  double created_at = 0;
  std::optional<double> expires_at, revoked_at;
};

// What an operator allows a tenant; an empty optional takes the server's default.
struct TenantLimits {
  std::optional<int64_t> max_priority;
  std::optional<double> submissions_per_s;
  std::optional<int64_t> max_pending;
  std::string allow_from;  // addresses or CIDR blocks, comma-separated; empty: anywhere
  // Who the tenant is (for demand statistics) and its self-reliance policy; not limits, but set the same way.
  std::string sector;         // GB/T 4754-2017 section letter, optionally with its division ("I64"); empty
  std::string home_province;  // a region id of the registry; empty: unknown
  std::optional<double> min_domestic_share;  // of its running devices, 0-1
};

// One change of a job: its new state and the event that records it.
struct Transition {
  JobRecord record;
  std::string detail;
};

class JobStore {
 public:
  // Opens the database at `path`, which OpenStore has migrated.
  static Result<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Accepts jobs in one transaction; a job whose (tenant, idempotency key) exists returns the earlier id.
  Result<std::vector<Accepted>> Insert(std::span<const NewJob> jobs, double now);
  // Persists transitions (state row and event) in one transaction.
  Status Save(std::span<const Transition> transitions);

  Result<std::optional<JobRecord>> Get(int64_t id);
  Result<std::vector<JobRecord>> List(const JobFilter& filter);
  Result<std::vector<JobRecord>> Unfinished();
  // How many of a tenant's jobs have not ended.
  Result<int64_t> UnfinishedCount(const std::string& tenant);
  Result<std::vector<JobEvent>> Events(int64_t id);
  // Finished jobs grouped by tenant, center or accelerator, finishing in [from, to); of one tenant's jobs
  // only unless `tenant` is empty.
  Result<std::vector<UsageRow>> Usage(UsageBy by, double from, double to, const std::string& tenant = "");
  // The same grouped by tenant and center together.
  Result<std::vector<UsageRow>> UsageByTenantAndCenter(double from, double to);

  // PRAGMA quick_check on a connection of its own: kStore naming what is corrupt, or success.
  Status CheckIntegrity();

  // This database's instance id (10 hex digits), fixed at creation.
  Result<std::string> Instance();

  Status AddToken(const std::string& hash, const Token& token, double now,
                  std::optional<double> expires_at = std::nullopt, const std::string& label = "");
  // The tokens whose id (hash prefix) is `id`: the caller compares the full hash in constant time.
  Result<std::vector<TokenInfo>> TokensWithId(const std::string& id);
  // Every token, or a tenant's (`tenant` not empty), newest first.
  Result<std::vector<TokenInfo>> ListTokens(const std::string& tenant);
  // Revokes the token named `id` (and returns it); nullopt when there is none.
  Result<std::optional<TokenInfo>> RevokeToken(const std::string& id, double now);
  Status SetTenantLimits(const std::string& tenant, const TenantLimits& limits);
  // Centers drained by an operator (kept across restarts); draining one already drained keeps its `since`.
  Status SetDrained(const std::string& center, bool drained, double now, const std::string& by);
  Result<std::vector<std::string>> DrainedCenters();
  Result<std::map<std::string, TenantLimits>> AllTenantLimits();
  // Changes with every change of tokens or tenant limits, by any process.
  Result<int64_t> AuthVersion();
  Status SetQuota(const std::string& tenant, const std::string& accelerator, int64_t max_devices);
  // tenant -> accelerator -> max devices
  Result<std::vector<std::tuple<std::string, std::string, int64_t>>> Quotas();

  // Replicas (store/leader_lease.h): from now on every Save first checks, in its transaction, that the lease
  // is still at `epoch`, and fails with kConflict ("fenced") once another replica has taken over. 0: none.
  void SetFence(int64_t epoch);
  // Ids of pending jobs (accepted, not yet placed) above `after_id`, in order, at most `limit`: a leader
  // finds here the jobs other replicas accepted.
  Result<std::vector<int64_t>> PendingIds(int64_t after_id, int limit);
  // The same jobs whole (what a leader adds to its memory).
  Result<std::vector<JobRecord>> PendingAfter(int64_t after_id, int limit);
  // The jobs of `ids` that exist, in order of id.
  Result<std::vector<JobRecord>> GetMany(std::span<const int64_t> ids);
  // A cancel asked of a replica that does not lead, for the leader to carry out (once per job: a second
  // request of the same job keeps the first).
  Status RequestCancel(int64_t id, const Actor& by, double now);
  struct CancelRequest {
    int64_t job_id = 0;
    Actor by;
  };
  Result<std::vector<CancelRequest>> CancelRequests();
  Status ForgetCancelRequest(int64_t id);

  // Appends to the audit log (committed before it returns). Submissions are audited by Insert.
  // Takes up to `want` tokens from `tenant`'s shared submission bucket (`rate` per second at the database's
  // clock, holding at most `burst`; full when first used) and returns how many it got, 0 when it is empty.
  // Replicas each take small grants, so together they admit the rate once.
  Result<int64_t> TakeSubmitTokens(const std::string& tenant, int64_t want, double rate, double burst);
  // The leader's live load as it wrote it last (epoch: its lease's; a former leader's write is ignored), for
  // the replicas that do not lead. `at` is the database's clock at the write.
  struct LoadRow {
    int64_t epoch = 0;
    double at = 0;
    std::string load;
  };
  Status PublishLoad(int64_t epoch, const std::string& load);
  // A sample of the live load at `at` (the service's encoding), and those older than `keep_after` removed;
  // the samples since `since`, oldest first.
  Status AddSample(double at, const std::string& data, double keep_after);
  Result<std::vector<std::pair<double, std::string>>> Samples(double since);
  Result<std::optional<LoadRow>> LatestLoad();
  Status Audit(const AuditEntry& entry);
  // Audit entries in order of seq.
  Result<std::vector<AuditEntry>> AuditLog(const AuditFilter& filter);

 private:
  struct Impl;
  JobStore(std::unique_ptr<Impl> impl, std::unique_ptr<Impl> intake, std::unique_ptr<Impl> reader);
  Impl& intake();               // submissions' connection (PostgreSQL), else impl_
  Impl& reader();               // reads' connection (its own on SQLite too: WAL readers never wait)
  std::unique_ptr<Impl> impl_;  // writes
  std::unique_ptr<Impl> intake_, reader_;
};

}  // namespace zhisuan
