// Replicas on one PostgreSQL database: the lease that makes one of them the leader, what the leader picks up
// from the others (jobs they accepted, cancels they were asked), and how a follower answers a cancel.
#include <fmt/format.h>

#include <chrono>
#include <limits>

#include "lifecycle/live.h"
#include "lifecycle/service.h"

namespace zhisuan::lifecycle {
namespace {

double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool JobService::MayAct() const {
  if (!options_.lease) return true;
  return leading_ && !fenced_ && SteadyNow() < lease_valid_until_.load();
}

Leadership JobService::Leader() {
  std::lock_guard lock(lease_mu_);
  Leadership out = leadership_;
  out.leading = options_.lease ? leading_ && !fenced_ : true;
  if (!options_.lease) out.leader = "self";
  return out;
}

void JobService::SetAdvertise(const std::string& address) {
  std::lock_guard lock(lease_mu_);
  advertise_ = address;
}

void JobService::LeaseLoop() {
  const double ttl = options_.lease_s, period = ttl / 4;
  int64_t epoch = 0;
  // Since when the database has answered without a break. After an outage every lease has expired: a
  // follower waits a whole lease before it may take one, so that the leader from before (which renews every
  // quarter of a lease) keeps it rather than losing it to whichever replica asks first.
  double reachable_since = -ttl;
  double next_sample = 0;
  while (true) {
    std::string address;
    {
      std::unique_lock lock(lease_mu_);
      address = advertise_;
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const double asked_at = SteadyNow();
    const bool may_take = leading_ || asked_at - reachable_since >= ttl;
    Result<Lease> lease = Fail(ErrorCode::kUnavailable, "the lease was not read");
    if (may_take) {
      lease = options_.lease->AcquireOrRenew(options_.replica_id, address, ttl);
    } else if (Result<std::optional<Lease>> seen = options_.lease->Current(); !seen) {
      lease = std::unexpected(seen.error());
    } else {
      lease = seen->value_or(Lease{});
    }
    if (!lease)
      reachable_since = std::numeric_limits<double>::infinity();
    else if (reachable_since == std::numeric_limits<double>::infinity())
      reachable_since = asked_at;
    bool take_over = false, lost = false;
    {
      std::lock_guard lock(lease_mu_);
      if (!lease) {
        // The database is out of reach: the lease lapses by itself (MayAct turns false) and is renewed when
        // it returns, if nobody took it meanwhile.
        if (leadership_.problem.empty()) {
          options_.log->Event(Log::Level::kError, "lease",
                              "cannot renew the lease: " + lease.error().message);
        }
        leadership_.problem = lease.error().message;
      } else {
        leadership_.problem.clear();
        leadership_.epoch = lease->epoch;
        leadership_.leader = lease->holder;
        leadership_.leader_address = lease->address;
        leadership_.leader_since = lease->since;
        if (lease->holder == options_.replica_id) {
          // Trust the lease a quarter less than it lasts, counted from before it was asked for.
          lease_valid_until_ = asked_at + ttl - period;
          take_over = !leading_ && !fenced_;
          epoch = lease->epoch;
        } else if (leading_ && !fenced_) {
          lost = true;
        }
      }
    }
    if (take_over) {
      store_.SetFence(epoch);
      options_.log->Event(Log::Level::kInfo, "lease", "this replica leads now",
                          {{"replica", options_.replica_id}, {"epoch", std::to_string(epoch)}});
      Audit(Principal{"", true, "lease", options_.replica_id}, "leader.take", options_.replica_id, Status(),
            fmt::format("epoch {}", epoch));
      if (Status s = Lead(); !s) {
        // Nothing acted on yet: hand the lease back and let another replica (or a later try) lead.
        options_.log->Event(Log::Level::kError, "lease", "could not take over: " + s.error().message);
        lease_valid_until_ = 0;
        (void)options_.lease->Release(options_.replica_id, epoch);
      }
    }
    if (lost) {
      fenced_ = true;
      lease_valid_until_ = 0;
      options_.log->Event(Log::Level::kCritical, "lease",
                          "another replica took over; this one stops acting and leaves",
                          {{"replica", options_.replica_id}, {"leader", lease->holder}});
      if (options_.on_lost_lease) options_.on_lost_lease();
    }
    // Until the next renewal: a follower has no scheduling loop, so this thread picks up token revocations
    // and tenant limits from other processes as the leader's loop does (within 50 ms), and samples the load.
    for (const double renew_at = SteadyNow() + period;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) break;
      }
      if (!leading_) {
        ReloadAuth(false);
        if (now_() >= next_sample) {  // the leader's load, sampled here as the leader's loop samples its own
          TakeSample();
          next_sample = now_() + options_.sample_interval_s;
        }
      }
      const double left = renew_at - SteadyNow();
      if (left <= 0) break;
      std::unique_lock lease_lock(lease_mu_);
      lease_wake_.wait_for(lease_lock, std::chrono::duration<double>(std::min(left, 0.05)));
    }
    std::lock_guard lock(mu_);
    if (stopping_) break;
    wake_.notify_one();
  }
  if (leading_ && !fenced_) (void)options_.lease->Release(options_.replica_id, epoch);  // hand over at once
}

void JobService::PickUp(bool full) {
  // Jobs accepted by other replicas: those above the last seen at every pickup, whole in one query; and every
  // pending id now and then (ids are taken at insert, so a job may commit after a higher one was seen).
  std::vector<JobRecord> found;
  if (Result<std::vector<JobRecord>> fresh = store_.PendingAfter(pickup_after_, 5000))
    found = std::move(*fresh);
  if (full) {
    std::vector<int64_t> unknown;
    for (int64_t after = 0;;) {
      Result<std::vector<int64_t>> ids = store_.PendingIds(after, 5000);
      if (!ids) break;
      {
        std::lock_guard lock(mu_);
        for (int64_t id : *ids) {
          if (!live_.contains(id) && !forgotten_.contains(id)) unknown.push_back(id);
        }
      }
      if (ids->size() < 5000) break;
      after = ids->back();
    }
    if (Result<std::vector<JobRecord>> more = store_.GetMany(unknown)) {
      std::move(more->begin(), more->end(), std::back_inserter(found));
    }
  }
  {
    std::lock_guard lock(mu_);  // most are this replica's own submissions, already in memory
    TakeInbox();
    std::erase_if(found, [&](const JobRecord& r) {
      pickup_after_ = std::max(pickup_after_, r.id);
      return r.state != JobState::kPending || live_.contains(r.id) || forgotten_.contains(r.id);
    });
  }
  for (JobRecord& rec : found) {
    Result<Job> job = ParseJob(rec.spec, registry_, "job");
    if (!job) continue;  // accepted only after it parsed with this registry: not reached
    std::lock_guard lock(mu_);
    const int64_t id = rec.id;
    if (live_.contains(id) || forgotten_.contains(id)) continue;
    auto live = std::make_unique<Live>();
    live->rec = std::move(rec);
    live->job = std::move(*job);
    Count(live->rec.tenant);
    arrived_.push_back(id);
    Publish(live->rec);
    live_[id] = std::move(live);
  }
  if (full) {
    if (Result<std::vector<std::string>> drained = store_.DrainedCenters()) {
      std::lock_guard lock(mu_);
      std::set<std::string> now(drained->begin(), drained->end());
      for (const auto& c : snapshot().centers()) {
        const bool was = drained_.contains(c.id), is = now.contains(c.id);
        if (was == is) continue;
        if (is)
          drained_.insert(c.id);
        else
          drained_.erase(c.id);
        const int32_t i = snapshot().CenterIndex(c.id);
        core_.SetCenterState(static_cast<uint32_t>(i), down_.contains(c.id) ? CenterState::kDown
                                                       : is                 ? CenterState::kDraining
                                                                            : CenterState::kUp);
      }
    }
  }
  CancelRequested();
}

void JobService::CancelRequested() {
  Result<std::vector<JobStore::CancelRequest>> requests = store_.CancelRequests();
  if (!requests) return;
  for (const JobStore::CancelRequest& r : *requests) {
    const Principal who{r.by.tenant, r.by.role == "operator", r.by.token_id, r.by.remote};
    Result<JobRecord> done = Cancel(who, r.job_id);
    // Cancelled, already ended, or not the caller's: the request is answered either way; a store or fencing
    // failure leaves it for the next try (or the next leader).
    if (done || (done.error().code != ErrorCode::kStore && done.error().code != ErrorCode::kUnavailable &&
                 done.error().message.find("fenced") == std::string::npos)) {
      (void)store_.ForgetCancelRequest(r.job_id);
    }
  }
}

}  // namespace zhisuan::lifecycle
