// The request side of the job service: submission with group commit, reads, cancel, logs, usage, drain, and
// the reconciliation at start. The scheduling loop is in loop.cc.
#include "lifecycle/service.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "accounting/demand.h"
#include "lifecycle/live.h"
#include "util/limits.h"

namespace zhisuan::lifecycle {

JobService::JobService(const Registry& registry, JobStore& store, BackendMap backends, ServiceOptions options,
                       std::function<double()> now, std::unique_ptr<placement::Policy> policy)
    : registry_(registry),
      store_(store),
      backends_(std::move(backends)),
      options_(std::move(options)),
      now_(std::move(now)),
      core_(placement::Snapshot::Build(registry), std::move(policy), {.objective = options_.objective}) {
  if (::getrandom(&token_key_, sizeof token_key_, 0) != sizeof token_key_) {
    token_key_ = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  device_used_.resize(snapshot().pools().size());
  for (size_t p = 0; p < snapshot().pools().size(); ++p) {
    if (snapshot().pools()[p].devices <= kMaxTrackedDevices)
      device_used_[p].assign(static_cast<size_t>(snapshot().pools()[p].devices), 0);
  }
  // A center's carbon per kWh is the same for all its pools (its grid factor, less its green power).
  carbon_per_kwh_.assign(snapshot().centers().size(), 0);
  for (const placement::PoolInfo& p : snapshot().pools()) {
    if (p.energy_kwh_per_device_hour > 0)
      carbon_per_kwh_[p.center] = p.carbon_kg_per_device_hour / p.energy_kwh_per_device_hour;
  }
}

Result<std::unique_ptr<JobService>> JobService::Create(const Registry& registry, JobStore& store,
                                                       BackendMap backends, ServiceOptions options,
                                                       std::function<double()> now) {
  Result<std::unique_ptr<placement::Policy>> policy = placement::MakePolicy(options.policy);
  if (!policy) return std::unexpected(policy.error());
  for (const Center& c : registry.centers()) {
    if (!backends.contains(c.id))
      return Fail(ErrorCode::kInternal, fmt::format("center '{}' has no backend", c.id));
  }
  return std::unique_ptr<JobService>(new JobService(registry, store, std::move(backends), std::move(options),
                                                    std::move(now), std::move(*policy)));
}

JobService::~JobService() { Stop(); }

void JobService::Stop() {
  {
    std::lock_guard lock(mu_);
    std::lock_guard commit_lock(commit_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  commit_wake_.notify_all();
  lease_wake_.notify_all();
  if (committer_.joinable()) committer_.join();
  if (loop_.joinable()) loop_.join();
  if (lease_thread_.joinable()) lease_thread_.join();  // it hands the lease over as it leaves
}

namespace {

// A keyed 64-bit hash of a short string (SplitMix64 steps over 8-byte words; the key is secret and random).
uint64_t KeyedHash(std::string_view s, uint64_t key) {
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t h = mix(key ^ s.size());
  for (size_t i = 0; i < s.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, std::min<size_t>(8, s.size() - i));
    h = mix(h ^ word ^ key);
  }
  return h;
}

}  // namespace

Result<Principal> JobService::Authenticate(const std::string& token, const std::string& remote_address) {
  if (token.empty() || token.size() > 256)
    return Fail(ErrorCode::kUnauthenticated, "Authorization: the token is not valid");
  const uint64_t slot = KeyedHash(token, token_key_);
  std::unique_lock lock(token_mu_);
  auto find = [&]() -> const CachedToken* {
    auto it = token_cache_.find(slot);
    if (it == token_cache_.end()) return nullptr;
    for (const CachedToken& c : it->second) {
      if (ConstantTimeEquals(c.token, token)) return &c;
    }
    return nullptr;
  };
  const CachedToken* match = find();
  if (match == nullptr) {
    lock.unlock();
    // The store keeps SHA-256 hashes, found by their first 12 hex digits (the public id) and compared whole
    // in constant time.
    const std::string hash = HashToken(token);
    Result<std::vector<TokenInfo>> rows = store_.TokensWithId(hash.substr(0, 12));
    if (!rows) return std::unexpected(rows.error());
    CachedToken entry{token, false, {}, std::nullopt, false};
    for (const TokenInfo& t : *rows) {
      if (ConstantTimeEquals(t.hash, hash)) {
        entry = {token,
                 true,
                 {t.token.tenant, t.token.role == "operator", t.id, ""},
                 t.expires_at,
                 t.revoked_at.has_value()};
      }
    }
    lock.lock();
    if (token_cache_.size() >= 100'000) token_cache_.clear();
    token_cache_[slot].push_back(std::move(entry));
    match = &token_cache_[slot].back();
  }
  if (!match->known) return Fail(ErrorCode::kUnauthenticated, "Authorization: the token is not valid");
  if (match->revoked) return Fail(ErrorCode::kUnauthenticated, "Authorization: the token was revoked");
  if (match->expires_at && now_() >= *match->expires_at) {
    return Fail(ErrorCode::kUnauthenticated, "Authorization: the token has expired");
  }
  Principal who = match->who;
  who.remote = remote_address;
  if (auto limits = limits_.find(who.tenant); limits != limits_.end() && !remote_address.empty() &&
                                              !AddressAllowed(limits->second.allow_from, remote_address)) {
    return Fail(ErrorCode::kPermissionDenied,
                fmt::format("Authorization: tenant '{}' may not call from {} (its allow-list: {})",
                            who.tenant, remote_address, limits->second.allow_from));
  }
  return who;
}

void JobService::ReloadAuth(bool force) {
  Result<int64_t> version = store_.AuthVersion();
  if (!version || (!force && *version == auth_version_)) return;
  Result<std::map<std::string, TenantLimits>> limits = store_.AllTenantLimits();
  if (!limits) return;
  auth_version_ = *version;
  std::lock_guard lock(token_mu_);
  token_cache_.clear();
  limits_ = std::move(*limits);
}

TenantLimits JobService::LimitsOf(const std::string& tenant) {
  TenantLimits l;
  {
    std::lock_guard lock(token_mu_);
    if (auto it = limits_.find(tenant); it != limits_.end()) l = it->second;
  }
  if (!l.max_priority) l.max_priority = options_.default_max_priority;
  if (!l.submissions_per_s) l.submissions_per_s = options_.default_submissions_per_s;
  if (!l.max_pending) l.max_pending = options_.default_max_pending;
  return l;
}

Result<JobService::CreatedToken> JobService::CreateToken(const Principal& who, const std::string& tenant,
                                                         const std::string& role,
                                                         std::optional<double> expires_in_s,
                                                         const std::string& label) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "tokens: only operators manage tokens");
  if (role != "tenant" && role != "operator") {
    return Fail(ErrorCode::kValidation, fmt::format("role: '{}' is not one of: tenant, operator", role));
  }
  if (tenant.empty() || tenant.size() > 100 || HasControlCharacter(tenant) ||
      FindInvalidUtf8(tenant) != std::string::npos) {
    return Fail(ErrorCode::kValidation, "tenant: must be 1 to 100 printable characters");
  }
  if (expires_in_s && !(*expires_in_s > 0 && *expires_in_s <= 10 * 365 * 86400.0)) {
    return Fail(ErrorCode::kValidation, "expires_in_s: must be a number of seconds between 0 and 10 years");
  }
  if (label.size() > 200 || HasControlCharacter(label)) {
    return Fail(ErrorCode::kValidation, "label: at most 200 printable characters");
  }
  Result<std::string> token = NewToken();
  if (!token) return std::unexpected(token.error());
  const double now = now_();
  const std::optional<double> expires_at =
      expires_in_s ? std::optional<double>(now + *expires_in_s) : std::nullopt;
  const std::string hash = HashToken(*token);
  if (Status s = store_.AddToken(hash, {tenant, role}, now, expires_at, label); !s)
    return std::unexpected(s.error());
  ReloadAuth(true);
  options_.log->Event(Log::Level::kInfo, "auth", "token created",
                      {{"id", std::string_view(hash).substr(0, 12)}, {"tenant", tenant}, {"role", role}});
  return CreatedToken{*token,
                      TokenInfo{hash.substr(0, 12), hash, {tenant, role}, label, now, expires_at, {}}};
}

Actor JobService::ActorOf(const Principal& who) {
  return {who.token_id, who.tenant, who.is_operator ? "operator" : "tenant", who.remote};
}

void JobService::Audit(const Principal& who, std::string_view action, std::string_view target,
                       const Status& result, std::string_view detail) {
  // Targets come from request paths and details from bodies: kept printable and bounded.
  AuditEntry e{.at = now_(),
               .by = ActorOf(who),
               .action = std::string(action),
               .target = Printable(target, 200),
               .result = Printable(result ? "ok" : "refused: " + result.error().message, 500),
               .detail = Printable(detail, 500)};
  if (Status s = store_.Audit(e); !s) {
    options_.log->Event(Log::Level::kError, "audit", "could not record a call: " + s.error().message,
                        {{"action", action}, {"target", target}, {"tenant", who.tenant}});
  }
}

Result<std::vector<AuditEntry>> JobService::AuditLog(const Principal& who, const AuditFilter& filter) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "audit: operators only");
  if (filter.limit < 1 || filter.limit > 1000)
    return Fail(ErrorCode::kInvalidArgument, "limit: must be between 1 and 1000");
  return store_.AuditLog(filter);
}

Result<std::vector<TokenInfo>> JobService::Tokens(const Principal& who, const std::string& tenant) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "tokens: only operators manage tokens");
  return store_.ListTokens(tenant);
}

Result<TokenInfo> JobService::RevokeToken(const Principal& who, const std::string& id) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "tokens: only operators manage tokens");
  Result<std::optional<TokenInfo>> revoked = store_.RevokeToken(id, now_());
  if (!revoked) return std::unexpected(revoked.error());
  if (!revoked->has_value()) return Fail(ErrorCode::kNotFound, fmt::format("token {} does not exist", id));
  ReloadAuth(true);  // effective for the very next request
  options_.log->Event(Log::Level::kInfo, "auth", "token revoked",
                      {{"id", id}, {"tenant", (*revoked)->token.tenant}});
  return **revoked;
}

Status JobService::SetTenantLimits(const Principal& who, const std::string& tenant,
                                   const TenantLimits& limits) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "limits: only operators set tenant limits");
  if (Status s = CheckAllowList(limits.allow_from); !s) return s;
  if (Status s = accounting::CheckSector(limits.sector); !s) return s;
  if (!limits.home_province.empty() && snapshot().ProvinceIndex(limits.home_province) == placement::kNone) {
    return Fail(ErrorCode::kValidation, fmt::format("home_province: '{}' is not a region of the registry",
                                                    limits.home_province.substr(0, 60)));
  }
  if (limits.min_domestic_share && !(*limits.min_domestic_share >= 0 && *limits.min_domestic_share <= 1))
    return Fail(ErrorCode::kValidation, "min_domestic_share: must be from 0 to 1");
  if (Status s = store_.SetTenantLimits(tenant, limits); !s) return s;
  ReloadAuth(true);
  ReloadQuotas();  // a changed domestic share holds from the next pass
  return {};
}

const JobService::Reach& JobService::ReachOf(const std::string& tenant) {
  std::lock_guard lock(reach_mu_);  // entries never change once made: the reference stays good
  auto [it, added] = reach_.try_emplace(tenant);
  if (added) {
    for (size_t c = 0; c < snapshot().centers().size(); ++c) {
      if (backends_.at(snapshot().centers()[c].id)->Runs(tenant)) {
        it->second.anywhere = true;
      } else {
        it->second.closed.push_back(static_cast<uint32_t>(c));
      }
    }
  }
  return it->second;
}

// Under no lock: the limits a submission must pass before it is stored.
Status JobService::Admit(const Principal& who, const Job& job) {
  // Neither check takes mu_, which the loop holds through a pass.
  {
    if (!ReachOf(job.tenant).anywhere) {
      return Fail(ErrorCode::kPermissionDenied,
                  fmt::format("tenant: '{}' may not run jobs on any center: the centers here run jobs as a "
                              "Unix user of the tenant, and an operator has mapped none (backends file: "
                              "tenants: {}: {{user: NAME}})",
                              job.tenant, job.tenant.empty() ? "TENANT" : job.tenant));
    }
  }
  if (who.is_operator) return {};
  const TenantLimits limits = LimitsOf(job.tenant);
  if (job.priority > *limits.max_priority) {
    return Fail(
        ErrorCode::kPermissionDenied,
        fmt::format("priority: {} is above tenant '{}''s ceiling of {} (an operator raises it: zhisuan "
                    "tenant set {} --max-priority N)",
                    job.priority, job.tenant, *limits.max_priority, job.tenant));
  }
  if (*limits.max_pending > 0) {
    int64_t unfinished = 0;
    if (options_.lease && !leading_) {
      // A follower holds no jobs: it counts the tenant's unfinished jobs in the database (at most once a
      // second per tenant; its own acceptances in between are added as it makes them).
      const double now = now_();
      bool fresh = false;
      {
        std::lock_guard lock(count_mu_);
        auto it = follower_counts_.find(job.tenant);
        fresh = it != follower_counts_.end() && now - it->second.first < 1.0;
        if (fresh) unfinished = it->second.second;
      }
      if (!fresh) {
        Result<int64_t> n = store_.UnfinishedCount(job.tenant);
        if (!n) return std::unexpected(n.error());
        unfinished = *n;
        std::lock_guard lock(count_mu_);
        follower_counts_[job.tenant] = {now, *n};
      }
    } else {
      std::lock_guard lock(count_mu_);
      const auto n = unfinished_.find(job.tenant);
      unfinished = n == unfinished_.end() ? 0 : n->second;
    }
    if (unfinished >= *limits.max_pending) {
      return Fail(ErrorCode::kRateLimited,
                  fmt::format("pending: tenant '{}' has {} unfinished jobs; its limit is {}", job.tenant,
                              unfinished, *limits.max_pending));
    }
  }
  if (*limits.submissions_per_s > 0) {
    const double rate = *limits.submissions_per_s, burst = std::max(1.0, 2 * rate), now = now_();
    const Error refused{
        ErrorCode::kRateLimited,
        fmt::format("rate: tenant '{}' may submit {} jobs per second (bursts of {}); try again shortly",
                    job.tenant, rate, burst)};
    if (options_.lease) return TakeSharedToken(job.tenant, rate, burst, now, refused);
    std::lock_guard lock(token_mu_);
    Bucket& b = submit_buckets_[job.tenant];
    if (b.last == 0) b.tokens = burst;
    b.tokens = std::min(burst, b.tokens + std::max(0.0, now - b.last) * rate);
    b.last = now;
    if (b.tokens < 1) return std::unexpected(refused);
    b.tokens -= 1;
  }
  return {};
}

// Replicas: the tenant's bucket is a row in the database (JobStore::TakeSubmitTokens). This replica takes a
// grant of a twentieth of a second's tokens at a time and spends it here, so a submission costs a database
// round trip only once per grant, and N replicas admit at most the rate, plus the burst, plus the N grants
// they may hold. An empty bucket is asked again only after a grant's time, however hard a tenant pushes.
Status JobService::TakeSharedToken(const std::string& tenant, double rate, double burst, double now,
                                   const Error& refused) {
  constexpr double kGrantS = 0.05;
  {
    std::lock_guard lock(token_mu_);
    Bucket& b = submit_buckets_[tenant];
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return {};
    }
    if (now < b.last) return std::unexpected(refused);  // empty a moment ago
  }
  const auto grant =
      std::clamp<int64_t>(static_cast<int64_t>(std::ceil(rate * kGrantS)), 1, static_cast<int64_t>(burst));
  Result<int64_t> got = store_.TakeSubmitTokens(tenant, grant, rate, burst);
  if (!got) return std::unexpected(got.error());
  std::lock_guard lock(token_mu_);
  Bucket& b = submit_buckets_[tenant];
  b.tokens += static_cast<double>(*got);
  if (b.tokens < 1) {
    b.last = now + std::max(kGrantS, 1 / rate);  // here: when to ask the database again
    return std::unexpected(refused);
  }
  b.tokens -= 1;
  return {};
}

void JobService::Forget(std::map<int64_t, std::unique_ptr<Live>>::iterator it) {
  const JobRecord& r = it->second->rec;
  if (Terminal(r.state)) {
    ++finished_[r.state];
    if (r.accounting) {
      energy_kwh_total_ += r.accounting->energy_kwh;
      carbon_kg_total_ += r.accounting->carbon_kg;
      device_hours_total_ += r.accounting->device_hours;
      billed_fen_total_ += r.accounting->bill_fen();
    }
  }
  {
    std::lock_guard count(count_mu_);
    if (auto n = unfinished_.find(it->second->rec.tenant); n != unfinished_.end() && --n->second <= 0) {
      unfinished_.erase(n);
    }
  }
  {
    std::lock_guard lock(view_mu_);
    view_.erase(it->first);
  }
  if (options_.lease) {  // a pickup that read the store before this job ended must not bring it back
    forgotten_.insert(it->first);
    forgotten_order_.push_back(it->first);
    constexpr size_t kForgottenKept = 65536;  // finished ids remembered against a stale pickup
    if (forgotten_order_.size() > kForgottenKept) {
      forgotten_.erase(forgotten_order_.front());
      forgotten_order_.pop_front();
    }
  }
  live_.erase(it);
}

// ---- submission
// ------------------------------------------------------------------------------------------------

Result<JobService::Submission> JobService::Submit(const Principal& who, std::string_view spec,
                                                  const std::string& key) {
  Result<Job> job = ParseJob(spec, registry_, "job");
  if (!job) return std::unexpected(job.error());
  if (!job->tenant.empty() && job->tenant != who.tenant && !who.is_operator) {
    return Fail(ErrorCode::kPermissionDenied,
                fmt::format("tenant: '{}' is not your tenant ('{}')", job->tenant, who.tenant));
  }
  if (job->tenant.empty()) job->tenant = who.tenant;
  if (key.size() > 200 || HasControlCharacter(key) || FindInvalidUtf8(key) != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "Idempotency-Key: at most 200 printable characters");
  }
  if (Status s = Admit(who, *job); !s) return std::unexpected(s.error());
  auto pending = std::make_unique<Pending>();
  pending->job = NewJob{job->tenant, key, std::string(spec), job->priority, now_(), ActorOf(who)};
  pending->parsed = std::move(*job);
  std::future<Result<Accepted>> done = pending->done.get_future();
  JobRecord record;  // what a new job is at acceptance, without waiting for the scheduler's lock
  record.tenant = pending->job.tenant;
  record.idempotency_key = pending->job.idempotency_key;
  record.spec = pending->job.spec;
  record.priority = pending->job.priority;
  record.submitted_at = pending->job.submitted_at;
  record.message = "accepted";
  {
    std::lock_guard lock(commit_mu_);
    if (stopping_) return Fail(ErrorCode::kInternal, "the service is stopping");
    commit_queue_.push_back(std::move(pending));
  }
  commit_wake_.notify_one();
  Result<Accepted> accepted = done.get();
  if (!accepted) return std::unexpected(accepted.error());
  if (!accepted->existing) {
    record.id = accepted->id;
    record.updated_at = record.submitted_at;
    return Submission{std::move(record), true};
  }
  Result<JobRecord> existing = Get(who, accepted->id);
  if (!existing) return std::unexpected(existing.error());
  return Submission{std::move(*existing), false};
}

void JobService::CommitLoop() {
  std::vector<std::unique_ptr<Pending>> batch;
  std::vector<NewJob> rows;
  while (true) {
    {
      std::unique_lock lock(commit_mu_);
      commit_wake_.wait(lock, [&] { return stopping_ || !commit_queue_.empty(); });
      if (commit_queue_.empty()) return;  // stopping
      while (!commit_queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(commit_queue_.front()));
        commit_queue_.pop_front();
      }
    }
    rows.clear();
    for (const auto& p : batch) rows.push_back(p->job);
    const double now = now_();
    Result<std::vector<Accepted>> accepted = store_.Insert(rows, now);
    // A follower only commits: the leader picks the jobs up from the store.
    if (accepted && !leading_) {
      std::lock_guard lock(count_mu_);
      for (size_t i = 0; i < batch.size(); ++i) {
        auto it = follower_counts_.find(batch[i]->job.tenant);
        if (!(*accepted)[i].existing && it != follower_counts_.end()) ++it->second.second;
      }
    }
    if (accepted && leading_) {
      std::vector<std::unique_ptr<Live>> fresh;
      for (size_t i = 0; i < batch.size(); ++i) {
        const Accepted& a = (*accepted)[i];
        if (a.existing) continue;
        auto live = std::make_unique<Live>();
        live->rec.id = a.id;
        live->rec.tenant = batch[i]->job.tenant;
        live->rec.idempotency_key = batch[i]->job.idempotency_key;
        live->rec.spec = batch[i]->job.spec;
        live->rec.priority = batch[i]->job.priority;
        live->rec.submitted_at = batch[i]->job.submitted_at;
        live->rec.updated_at = now;
        live->rec.message = "accepted";
        live->job = std::move(batch[i]->parsed);
        fresh.push_back(std::move(live));
      }
      std::lock_guard lock(inbox_mu_);
      std::move(fresh.begin(), fresh.end(), std::back_inserter(inbox_));
    }
    wake_.notify_one();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (accepted)
        batch[i]->done.set_value((*accepted)[i]);
      else
        batch[i]->done.set_value(std::unexpected(accepted.error()));
    }
    batch.clear();
  }
}

void JobService::TakeInbox() {
  std::vector<std::unique_ptr<Live>> taken;
  {
    std::lock_guard lock(inbox_mu_);
    if (inbox_.empty()) return;
    taken.swap(inbox_);
  }
  for (auto& live : taken) {
    const int64_t id = live->rec.id;
    if (live_.contains(id)) continue;  // a pickup was first
    Count(live->rec.tenant);
    arrived_.push_back(id);
    Publish(live->rec);
    live_[id] = std::move(live);
  }
}

// ---- reads
// -------------------------------------------------------------------------------------------------------

Result<JobRecord> JobService::Owned(const Principal& who, int64_t id) {
  JobRecord rec;
  {
    std::lock_guard lock(view_mu_);
    if (auto it = view_.find(id); it != view_.end()) {
      const Shown& shown = it->second;
      rec = *shown.rec;
      if (shown.explained_state == rec.state) {
        rec.waiting = shown.waiting;
        rec.message = shown.message;
        rec.queue_position = shown.queue_position;
      }
    }
  }
  if (rec.id != 0 && !rec.waiting.empty() && rec.queue_position > 0) {
    // A queued job's place in its pool's queue as the scheduler has it now (cheap: a walk of that queue),
    // when the scheduler is not busy; else its place at the last pass. Other waiting jobs keep the reason of
    // their last pass: placing one again with reasons costs a scan of the network, which a tenant polling GET
    // must not make the scheduler's lock pay for.
    std::unique_lock lock(mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      if (auto it = live_.find(id); it != live_.end() && it->second->rec.state == rec.state) {
        Live& l = *it->second;
        if (l.ticket != schedule::kNoTicket && core_.queued(l.ticket)) {
          Explain(l, now_());
          ShowWaiting(l);
          rec.waiting = l.rec.waiting;
          rec.message = l.rec.message;
          rec.queue_position = l.rec.queue_position;
        }
      }
    }
  }
  if (rec.id == 0) {
    Result<std::optional<JobRecord>> stored = store_.Get(id);
    if (!stored) return std::unexpected(stored.error());
    if (!stored->has_value()) return Fail(ErrorCode::kNotFound, fmt::format("job {} does not exist", id));
    rec = std::move(**stored);
  }
  // Another tenant's job answers exactly as a missing one: its existence is not the caller's to learn.
  if (!who.is_operator && rec.tenant != who.tenant) {
    return Fail(ErrorCode::kNotFound, fmt::format("job {} does not exist", id));
  }
  return rec;
}

Result<JobRecord> JobService::Get(const Principal& who, int64_t id) { return Owned(who, id); }

Result<std::vector<JobEvent>> JobService::History(const Principal& who, int64_t id) {
  if (Result<JobRecord> r = Owned(who, id); !r) return std::unexpected(r.error());
  return store_.Events(id);
}

Result<std::vector<JobRecord>> JobService::List(const Principal& who, JobFilter filter) {
  if (!who.is_operator) {
    if (!filter.tenant.empty() && filter.tenant != who.tenant) {
      return Fail(ErrorCode::kPermissionDenied,
                  fmt::format("tenant: you may list only tenant '{}'", who.tenant));
    }
    filter.tenant = who.tenant;
  }
  if (filter.limit < 1 || filter.limit > 1000)
    return Fail(ErrorCode::kInvalidArgument, "limit: must be between 1 and 1000");
  Result<std::vector<JobRecord>> rows = store_.List(filter);
  if (!rows) return rows;
  // The store's rows are the committed truth, as GET's view is (a transition being committed shows in
  // neither until it is).
  return rows;
}

Result<std::string> JobService::Logs(const Principal& who, int64_t id) {
  Result<JobRecord> r = Owned(who, id);
  if (!r) return std::unexpected(r.error());
  if (r->backend_id.empty()) return std::string("(the job has not been dispatched; no output yet)\n");
  auto it = backends_.find(r->center);
  if (it == backends_.end())
    return Fail(ErrorCode::kNotFound, fmt::format("center '{}' has no backend", r->center));
  return it->second->Logs(r->backend_id, 64 * 1024);
}

Result<std::vector<UsageRow>> JobService::Usage(const Principal& who, UsageBy by, double from, double to,
                                                std::string tenant) {
  if (!who.is_operator) {
    if (!tenant.empty() && tenant != who.tenant) {
      return Fail(ErrorCode::kPermissionDenied,
                  fmt::format("tenant: you may read the usage of tenant '{}' only", who.tenant));
    }
    tenant = who.tenant;
  }
  return store_.Usage(by, from, to, tenant);
}

Result<JobService::Demand> JobService::DemandOf(const Principal& who, double from, double to) {
  if (!who.is_operator)
    return Fail(ErrorCode::kPermissionDenied, "demand: only operators read demand across tenants");
  Result<std::vector<UsageRow>> uses = store_.UsageByTenantAndCenter(from, to);
  if (!uses) return std::unexpected(uses.error());
  Demand out{std::move(*uses), {}};
  std::lock_guard lock(token_mu_);
  out.tenants = limits_;
  return out;
}

// ---- changes
// -----------------------------------------------------------------------------------------------------

Result<JobRecord> JobService::Cancel(const Principal& who, int64_t id) {
  Result<JobRecord> owned = Owned(who, id);
  if (!owned) return owned;
  if (options_.lease && !leading_) {
    // A follower: the leader carries the cancel out (it alone talks to the backends); wait for it a while.
    if (Terminal(owned->state)) {
      return Fail(ErrorCode::kConflict, fmt::format("job {} has already ended ({})", id, Name(owned->state)));
    }
    if (Status s = store_.RequestCancel(id, ActorOf(who), now_()); !s) return std::unexpected(s.error());
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      Result<JobRecord> now = Owned(who, id);
      if (now && Terminal(now->state)) return now;
    }
    return Fail(ErrorCode::kUnavailable,
                fmt::format("job {}: the cancel is recorded; the leader has not carried it out within 5 s "
                            "(GET the job to follow it)",
                            id));
  }
  std::shared_ptr<dispatch::Backend> backend;
  std::string handle;
  JobRecord out;
  {
    Writer w = Write();
    TakeInbox();
    auto it = live_.find(id);
    if (it == live_.end()) {
      return Fail(ErrorCode::kConflict, fmt::format("job {} has already ended ({})", id, Name(owned->state)));
    }
    Live& l = *it->second;
    const double now = now_();
    if (!l.rec.backend_id.empty()) {
      backend = backends_.at(l.rec.center);
      handle = l.rec.backend_id;
    }
    JobRecord before = l.rec;
    l.rec.state = JobState::kCancelled;
    l.rec.finished_at = now;
    l.rec.updated_at = now;
    l.rec.message = fmt::format("cancelled by {}", who.is_operator ? "an operator" : "the tenant");
    if (l.rec.started_at)
      Account(l, dispatch::RunStatus{.finished_at = now}, backend ? backend->time_scale() : 1.0);
    std::vector<Transition> t = {{l.rec, l.rec.message}};
    if (Status s = Persist(w, t, /*keep=*/false); !s) {
      l.rec = before;
      return std::unexpected(s.error());
    }
    Release(l);
    out = l.rec;
    Forget(it);
  }
  if (backend && MayAct()) {
    if (Status s = backend->Cancel(handle); !s)
      out.message += fmt::format(" (the backend said: {})", s.error().message);
  }
  wake_.notify_one();
  return out;
}

Status JobService::SetDrained(const Principal& who, const std::string& center, bool drained) {
  if (!who.is_operator) return Fail(ErrorCode::kPermissionDenied, "drain: operators only");
  const int32_t c = snapshot().CenterIndex(center);
  if (c < 0) return Fail(ErrorCode::kNotFound, fmt::format("center '{}' does not exist", center));
  // Durable before it is acted on: a restarted server keeps the center drained.
  if (Status s = store_.SetDrained(center, drained, now_(), who.tenant); !s) return s;
  std::lock_guard lock(mu_);
  if (drained)
    drained_.insert(center);
  else
    drained_.erase(center);
  core_.SetCenterState(static_cast<uint32_t>(c), down_.contains(center) ? CenterState::kDown
                                                 : drained              ? CenterState::kDraining
                                                                        : CenterState::kUp);
  wake_.notify_one();
  return {};
}

std::map<std::string, std::string> JobService::CenterStates() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& c : snapshot().centers()) {
    out[c.id] = c.state == CenterState::kUp ? "up" : c.state == CenterState::kDraining ? "draining" : "down";
  }
  return out;
}

void JobService::ReloadQuotas() {
  auto rows = store_.Quotas();
  if (!rows) return;
  std::map<std::pair<std::string, std::string>, int64_t> quotas;
  for (const auto& [tenant, accelerator, max] : *rows) quotas[{tenant, accelerator}] = max;
  std::map<std::string, double> shares;  // the tenants' minimum domestic shares, from their limits
  {
    std::lock_guard lock(token_mu_);
    for (const auto& [tenant, l] : limits_) {
      if (l.min_domestic_share && *l.min_domestic_share > 0) shares[tenant] = *l.min_domestic_share;
    }
  }
  std::lock_guard lock(mu_);
  if (shares != domestic_shares_) {
    for (const auto& [tenant, share] : domestic_shares_) {
      if (!shares.contains(tenant)) core_.SetMinDomesticShare(core_.Tenant(tenant), 0);
    }
    for (const auto& [tenant, share] : shares) core_.SetMinDomesticShare(core_.Tenant(tenant), share);
    domestic_shares_ = std::move(shares);
  }
  if (quotas == quotas_) return;
  quotas_ = std::move(quotas);
  core_.ClearQuotas();
  for (const auto& [key, max] : quotas_) {
    const int32_t a = snapshot().AcceleratorIndex(key.second);
    if (a >= 0) core_.SetQuota(core_.Tenant(key.first), static_cast<uint32_t>(a), max);
  }
}

// ---- start: reconcile with the store and the backends
// -------------------------------------------------------------

Status JobService::Start() {
  Result<std::string> instance = store_.Instance();
  if (!instance) return std::unexpected(instance.error());
  instance_ = *instance;
  ReloadAuth(true);
  LoadSamples();
  if (!options_.lease) {
    if (Status s = Lead(); !s) return s;
    committer_ = std::thread([this] { CommitLoop(); });
    return {};
  }
  {
    std::lock_guard lock(lease_mu_);
    leadership_.replicated = true;
    leadership_.replica_id = options_.replica_id;
  }
  committer_ = std::thread([this] { CommitLoop(); });
  lease_thread_ = std::thread([this] { LeaseLoop(); });
  return {};
}

Status JobService::Lead() {
  ReloadQuotas();
  Result<std::vector<std::string>> drained = store_.DrainedCenters();
  if (!drained) return std::unexpected(drained.error());
  {
    std::lock_guard lock(mu_);
    for (const std::string& center : *drained) {
      const int32_t c = snapshot().CenterIndex(center);
      if (c < 0) continue;  // a center no longer in the registry
      drained_.insert(center);
      core_.SetCenterState(static_cast<uint32_t>(c), CenterState::kDraining);
    }
  }
  Result<std::vector<JobRecord>> rows = store_.Unfinished();
  if (!rows) return std::unexpected(rows.error());
  std::vector<Transition> transitions;
  const double now = now_();
  Writer w = Write();
  for (JobRecord& rec : *rows) {
    if (live_.contains(rec.id)) continue;
    auto live = std::make_unique<Live>();
    live->rec = std::move(rec);
    Result<Job> job = ParseJob(live->rec.spec, registry_, "job");
    if (!job) {
      live->rec.state = JobState::kFailed;
      live->rec.message = "the stored spec no longer validates: " + job.error().message;
      live->rec.updated_at = now;
      transitions.push_back({live->rec, live->rec.message});
      continue;
    }
    live->job = std::move(*job);
    Publish(live->rec);  // as stored; what changes below is published once committed
    if (live->rec.state == JobState::kPlaced || live->rec.state == JobState::kDispatched ||
        live->rec.state == JobState::kRunning) {
      if (!Restore(*live)) {
        live->shares.clear();
        live->rec.state = JobState::kRequeued;
        live->rec.message = "its center or pool is gone after a restart";
        live->rec.updated_at = now;
        transitions.push_back({live->rec, live->rec.message});
      }
    }
    if (live->rec.state == JobState::kPlaced) {
      // Placed before the crash (or by a leader that died): submitted or not? Ask the backend by job id so it
      // is never submitted twice.
      Result<std::optional<std::string>> found = backends_.at(live->rec.center)->Find(JobName(live->rec.id));
      if (found && found->has_value()) {
        live->rec.state = JobState::kDispatched;
        live->rec.backend_id = **found;
        live->rec.updated_at = now;
        live->rec.message = options_.lease ? "re-attached by a new leader" : "re-attached after a restart";
        transitions.push_back({live->rec, live->rec.message});
      }
    }
    if (live->rec.state == JobState::kPending || live->rec.state == JobState::kRequeued) {
      arrived_.push_back(live->rec.id);
      pickup_after_ = std::max(pickup_after_, live->rec.id);
    }
    Count(live->rec.tenant);
    live_[live->rec.id] = std::move(live);
  }
  if (Status s = Persist(w, transitions, /*keep=*/false); !s) return s;
  Prune();
  leading_ = true;
  loop_ = std::thread([this] { MainLoop(); });
  return {};
}

}  // namespace zhisuan::lifecycle
