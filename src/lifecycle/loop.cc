// The scheduling loop of the job service: place waiting jobs, dispatch placed ones, poll running ones, watch
// the backends' health. State changes are committed under the lock before anything acts on them; backend
// calls run outside the lock.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "accounting/run_cost.h"
#include "lifecycle/live.h"

namespace zhisuan::lifecycle {
namespace {

using Json = nlohmann::json;

// Submits every item with one SubmitMany per backend, the backends in parallel, so that a backend that does
// not answer delays only its own center's jobs (all simulated centers share one backend: one group).
template <typename Item>
void SubmitPerBackend(std::vector<Item>& items) {
  std::map<dispatch::Backend*, std::vector<Item*>> groups;
  for (Item& item : items) groups[item.backend.get()].push_back(&item);
  auto submit = [](dispatch::Backend* backend, std::vector<Item*>& group) {
    std::vector<dispatch::DispatchRequest> requests;
    requests.reserve(group.size());
    for (Item* item : group) requests.push_back(item->request);
    std::vector<Result<std::string>> handles = backend->SubmitMany(requests);
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->handle = i < handles.size()
                             ? std::move(handles[i])
                             : Fail(ErrorCode::kInternal, "the backend did not answer for the job");
    }
  };
  if (groups.size() == 1) return submit(groups.begin()->first, groups.begin()->second);
  std::vector<std::future<void>> running;
  for (auto& [backend, group] : groups) {
    running.push_back(std::async(std::launch::async, [&, backend = backend] { submit(backend, group); }));
  }
  for (auto& f : running) f.get();
}

// Polls every item's handle with one PollMany per backend, the backends in parallel.
template <typename Item>
void PollPerBackend(std::vector<Item>& items) {
  std::map<dispatch::Backend*, std::vector<Item*>> groups;
  for (Item& item : items) groups[item.backend.get()].push_back(&item);
  auto poll = [](dispatch::Backend* backend, std::vector<Item*>& group) {
    std::vector<std::string> handles;
    for (Item* item : group) handles.push_back(item->handle);
    std::map<std::string, Result<dispatch::RunStatus>> answers = backend->PollMany(handles);
    for (Item* item : group) {
      auto it = answers.find(item->handle);
      item->status =
          it != answers.end() ? it->second : Fail(ErrorCode::kIo, "the backend did not answer for the job");
    }
  };
  if (groups.size() == 1) return poll(groups.begin()->first, groups.begin()->second);
  std::vector<std::future<void>> running;
  for (auto& [backend, group] : groups) {
    running.push_back(std::async(std::launch::async, [&, backend = backend] { poll(backend, group); }));
  }
  for (auto& f : running) f.get();
}

bool Excluded(const JobRecord& r, const std::string& center) {
  return (',' + r.excluded + ',').find(',' + center + ',') != std::string::npos;
}

void Exclude(JobRecord& r, const std::string& center) {
  if (!Excluded(r, center)) r.excluded += (r.excluded.empty() ? "" : ",") + center;
}

}  // namespace

void JobService::MainLoop() {
  double next_health = 0, next_quotas = 0, next_auth = 0, next_sample = 0, next_pickup = 0,
         next_full_pickup = 0, next_load = 0, next_integrity = now_() + options_.integrity_interval_s;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (!more_) wake_.wait_for(lock, std::chrono::duration<double>(options_.tick_s));
      more_ = false;
      if (stopping_) return;
    }
    const double now = now_();
    if (now >= next_quotas) {
      ReloadQuotas();
      next_quotas = now + 2;
    }
    if (now >= next_auth) {
      ReloadAuth(false);  // a token revoked by another process stops working within this period
      next_auth = now + 0.05;
    }
    if (now >= next_health) {
      CheckHealth();
      next_health = now + options_.health_interval_s;
    }
    if (now >= next_integrity) {
      CheckStore();
      next_integrity = now + options_.integrity_interval_s;
    }
    if (now >= next_sample) {
      TakeSample();
      next_sample = now + options_.sample_interval_s;
    }
    if (options_.lease) {
      if (fenced_) continue;  // another replica leads: nothing here acts any more
      if (now >= next_pickup) {
        const bool full = now >= next_full_pickup;
        PickUp(full);
        next_pickup = now + options_.pickup_interval_s;
        if (full) next_full_pickup = now + 2;
      }
      if (now >= next_load) {
        PublishLoad();
        next_load = now + 1;
      }
    }
    {
      Writer writer = Write();
      if (!unsaved_.empty() && now >= retry_at_) {
        std::vector<Transition> none;
        (void)Persist(writer, none);  // the retry of what failed before
        Prune();
      }
    }
    Schedule();
    Dispatch();
    PollJobs();
    ++loop_passes_;
  }
}

Status JobService::Enter(Live& l) {
  const schedule::Ticket t = core_.NewJob();
  schedule::JobSpec& spec = core_.job(t);
  if (Status s = placement::Prepare(snapshot(), l.job, l.rec.submitted_at, spec.prepared); !s) {
    core_.Discard(t);
    return s;
  }
  spec.priority = l.rec.priority;
  spec.submitted_s = l.rec.submitted_at;
  spec.tenant = core_.Tenant(l.rec.tenant);
  spec.tag = static_cast<uint64_t>(l.rec.id);
  // Centers that failed this job, and those that run no jobs of its tenant (no Unix user there).
  for (size_t c = 0; !l.rec.excluded.empty() && c < snapshot().centers().size(); ++c) {
    if (Excluded(l.rec, snapshot().centers()[c].id)) spec.closed.push_back(static_cast<uint32_t>(c));
  }
  for (uint32_t c : ReachOf(l.rec.tenant).closed) {
    if (std::ranges::find(spec.closed, c) == spec.closed.end()) spec.closed.push_back(c);
  }
  l.ticket = t;
  return {};
}

bool JobService::Restore(Live& l) {
  if (l.rec.decision.empty()) return false;
  const int32_t c = snapshot().CenterIndex(l.rec.center);
  if (c < 0) return false;
  Json d = Json::parse(l.rec.decision, nullptr, false);
  if (d.is_discarded() || !d.contains("shares") || d["shares"].empty()) return false;
  const placement::CenterInfo& center = snapshot().centers()[static_cast<size_t>(c)];
  l.shares.clear();
  for (const Json& s : d["shares"]) {
    const int64_t pool = s.at(0).get<int64_t>(), devices = s.at(1).get<int64_t>();
    if (pool < 0 || pool >= center.pool_count) return false;
    l.shares.emplace_back(center.first_pool + static_cast<uint32_t>(pool), devices);
  }
  if (!Enter(l)) return false;
  placement::Candidate running;
  running.center = static_cast<uint32_t>(c);
  running.pool = l.shares.front().first;
  running.accelerator = snapshot().pools()[running.pool].accelerator;
  for (const auto& [pool, devices] : l.shares) {
    running.devices += devices;
    if (l.shares.size() > 1) running.split.push_back({pool, devices});
  }
  l.device_ids = d.value("device_ids", std::vector<int>{});
  if (d.contains("estimate")) l.transfer_fee_cny = d["estimate"].value("transfer_fee_cny", 0.0);
  core_.Adopt(l.ticket, std::move(running), d.value("finish_at", now_()));
  if (!device_used_[l.shares.front().first].empty()) {
    for (int id : l.device_ids) device_used_[l.shares.front().first][static_cast<size_t>(id)] = 1;
  }
  return true;
}

void JobService::FreeDeviceIds(Live& l) {
  if (!l.shares.empty() && !device_used_[l.shares.front().first].empty()) {
    for (int id : l.device_ids) device_used_[l.shares.front().first][static_cast<size_t>(id)] = 0;
  }
  l.shares.clear();
  l.device_ids.clear();
}

void JobService::Release(Live& l) {
  if (l.ticket != schedule::kNoTicket) core_.End(l.ticket);
  l.ticket = schedule::kNoTicket;
  FreeDeviceIds(l);
}

void JobService::PlaceAgain(Live& l, const std::string& why) {
  const std::string center = l.rec.center;
  Exclude(l.rec, center);
  l.rec.backend_id.clear();
  l.rec.started_at.reset();
  l.rec.waiting.clear();
  l.rec.message = why;
  if (l.rec.attempts >= options_.max_attempts) {
    l.rec.state = JobState::kFailed;
    Release(l);
    return;
  }
  l.rec.state = JobState::kRequeued;
  FreeDeviceIds(l);
  if (l.ticket != schedule::kNoTicket) {
    core_.Requeue(l.ticket, snapshot().CenterIndex(center));
  } else {
    arrived_.push_back(l.rec.id);
  }
}

void JobService::Explain(Live& l, double now) {
  if (l.ticket == schedule::kNoTicket || core_.running(l.ticket)) return;
  const schedule::Explanation e = core_.Explain(l.ticket, now);
  l.rec.waiting = e.code;
  l.rec.message = e.reason;
  l.rec.queue_position = e.position;
}

// The bill of a finished job: its pools' rates over the hours it really ran (accounted hours for simulated
// centers), energy at the center's tariff integrated over those hours' time-of-use periods, and the data
// transfer fee of its decision — the same functions (accounting/run_cost) that priced its estimate, so quote,
// estimate and bill agree wherever the run matched its estimate.
void JobService::Account(Live& l, const dispatch::RunStatus& status, double time_scale) {
  const double finished = status.finished_at.value_or(now_());
  const double started = status.started_at.value_or(l.rec.started_at.value_or(finished));
  l.rec.started_at = started;
  l.rec.finished_at = finished;
  const double hours = std::max(0.0, finished - started) / 3600.0 * time_scale;
  std::vector<accounting::PoolRun> runs;
  for (const auto& [pool, devices] : l.shares) {
    const placement::PoolInfo& p = snapshot().pools()[pool];
    runs.push_back(
        {devices, p.energy_kwh_per_device_hour, p.price_cny_per_device_hour, p.carbon_kg_per_device_hour});
  }
  accounting::Tariff tariff;
  if (!l.shares.empty()) {
    const placement::CenterInfo& center =
        snapshot().centers()[snapshot().pools()[l.shares.front().first].center];
    tariff = {center.tariff_cny_per_kwh, center.tou == placement::kNone
                                             ? nullptr
                                             : &snapshot().tou_tables()[static_cast<size_t>(center.tou)]};
  }
  const accounting::RunCost cost =
      accounting::CostOfRun(runs, hours, accounting::LocalHours(started, snapshot().params().utc_offset_h),
                            tariff, l.transfer_fee_cny);
  l.rec.accounting = JobAccounting{.device_hours = cost.device_hours,
                                   .energy_kwh = cost.energy_kwh,
                                   .energy_fen = accounting::Fen(cost.energy_cny),
                                   .price_fen = accounting::Fen(cost.price_cny),
                                   .carbon_kg = cost.carbon_kg,
                                   .transfer_fee_fen = accounting::Fen(cost.transfer_fee_cny)};
}

dispatch::DispatchRequest JobService::Request(const Live& l) const {
  double run_s = l.run_s;
  if (run_s < 0) {
    Json d = Json::parse(l.rec.decision, nullptr, false);
    run_s = d.is_discarded() ? 0 : d.value("run_h", 0.0) * 3600;
  }
  return {.job_id = l.rec.id,
          .name = JobName(l.rec.id),
          .tenant = l.rec.tenant,
          .command = l.job.command,
          .devices = l.rec.devices,
          .device_ids = l.device_ids,
          .walltime_s = l.job.walltime_h ? *l.job.walltime_h * 3600 : std::max(60.0, 2 * run_s),
          .memory_gb = l.job.memory_gb.value_or(0),
          .modelled_run_s = run_s};
}

// One pass of the scheduler core under the lock: new and requeued jobs enter it (highest priority first, at
// most kMaxPerPass a pass), it answers with the jobs that start now; their placements are committed before
// the dispatcher acts on them. Waiting jobs get the core's reason and queue position.
void JobService::Schedule() {
  Writer writer = Write();
  TakeInbox();
  const auto pass_start = std::chrono::steady_clock::now();
  struct Timed {
    JobService& s;
    std::chrono::steady_clock::time_point start;
    ~Timed() {
      const double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      s.pass_seconds_sum_ += d;
      s.pass_seconds_max_ = std::max(s.pass_seconds_max_, d);
      ++s.passes_;
    }
  } timed{*this, pass_start};
  const double now = now_();
  std::vector<Transition> transitions;
  std::vector<JobRecord> before;
  if (!arrived_.empty()) {
    std::vector<Live*> entering;
    for (int64_t id : arrived_) {
      auto it = live_.find(id);
      if (it == live_.end() || it->second->ticket != schedule::kNoTicket) continue;
      const JobState state = it->second->rec.state;
      if (state == JobState::kPending || state == JobState::kRequeued) entering.push_back(it->second.get());
    }
    arrived_.clear();
    std::ranges::stable_sort(entering, [](const Live* a, const Live* b) {
      if (a->rec.priority != b->rec.priority) return a->rec.priority > b->rec.priority;
      return a->rec.submitted_at < b->rec.submitted_at;
    });
    // Bounded passes keep the lock short and each commit small; the loop comes back at once for the rest.
    if (entering.size() > kMaxPerPass) {
      for (size_t i = kMaxPerPass; i < entering.size(); ++i) arrived_.push_back(entering[i]->rec.id);
      entering.resize(kMaxPerPass);
      more_ = true;
    }
    for (Live* l : entering) {
      if (Status s = Enter(*l); !s) {
        before.push_back(l->rec);
        l->rec.state = JobState::kFailed;
        l->rec.message = "cannot be placed: " + s.error().message;
        l->rec.updated_at = now;
        transitions.push_back({l->rec, l->rec.message});
        continue;
      }
      core_.Submit(l->ticket);
    }
  }
  core_.Pass(now, pass_);
  auto live_of = [&](schedule::Ticket t) -> Live* {
    auto it = live_.find(static_cast<int64_t>(core_.job(t).tag));
    return it == live_.end() ? nullptr : it->second.get();
  };
  std::vector<Live*> started, never;
  for (schedule::Ticket t : pass_.never) {
    Live* l = live_of(t);
    if (l == nullptr) continue;
    Explain(*l, now);
    before.push_back(l->rec);
    l->rec.state = JobState::kFailed;
    l->rec.finished_at = now;
    l->rec.message = "cannot be placed: " + l->rec.message;
    l->rec.updated_at = now;
    transitions.push_back({l->rec, l->rec.message});
    never.push_back(l);
  }
  for (schedule::Ticket t : pass_.waits) {
    if (Live* l = live_of(t)) {
      Explain(*l, now);
      ShowWaiting(*l);
    }
  }
  for (schedule::Ticket t : pass_.starts) {
    Live* l = live_of(t);
    if (l == nullptr) continue;
    started.push_back(l);
    const placement::Candidate& c = core_.candidate(t);
    const placement::CenterInfo& center = snapshot().centers()[c.center];
    before.push_back(l->rec);
    l->shares.clear();
    if (c.split.empty()) l->shares.emplace_back(c.pool, c.devices);
    for (const placement::PoolShare& s : c.split) l->shares.emplace_back(s.pool, s.devices);
    const double finish_at = core_.release_at(t);
    l->device_ids.clear();
    std::vector<char>& used = device_used_[l->shares.front().first];
    for (size_t i = 0;
         i < used.size() && static_cast<int64_t>(l->device_ids.size()) < l->shares.front().second; ++i) {
      if (!used[i]) {
        used[i] = 1;
        l->device_ids.push_back(static_cast<int>(i));
      }
    }
    Json shares = Json::array();
    for (const auto& [pool, devices] : l->shares) shares.push_back({pool - center.first_pool, devices});
    placement::Decision d;
    d.policy = std::string(core_.policy().name());
    d.objective = options_.objective;
    d.chosen = c;
    d.candidates = {c};
    std::string why = placement::Why(snapshot(), d);
    if (const double kept = core_.domestic_share_kept(t); kept > 0) {
      why += fmt::format(
          "; on domestic accelerators only: a foreign start would have taken tenant '{}' under its minimum "
          "domestic share of {:.0f}% of its running devices",
          l->rec.tenant, 100 * kept);
    }
    const std::shared_ptr<dispatch::Backend>& backend = backends_.at(center.id);
    const Json decision = {{"policy", d.policy},
                           {"center", center.id},
                           {"accelerator", snapshot().accelerators()[c.accelerator].id},
                           {"devices", c.devices},
                           {"shares", shares},
                           {"device_ids", l->device_ids},
                           {"run_h", c.run_h},
                           {"transfer_h", c.transfer_h},
                           {"finish_at", finish_at},
                           {"estimate",
                            {{"price_cny", c.price_cny},
                             {"energy_kwh", c.energy_kwh},
                             {"energy_cny", c.energy_cny},
                             {"carbon_kg", c.carbon_kg},
                             {"transfer_gb", c.transfer_gb},
                             {"transfer_fee_cny", c.transfer_fee_cny},
                             {"scarcity_cny", c.scarcity_cny},
                             {"rtt_ms", c.rtt_ms}}},
                           {"why", why},
                           // The backend's hours of run per hour of clock (a simulated center runs faster):
                           // what the cost so far of the job's run is counted in.
                           {"time_scale", backend->time_scale()}};
    l->rec.state = JobState::kPlaced;
    l->rec.waiting.clear();
    l->rec.queue_position = 0;
    l->rec.center = center.id;
    l->rec.pool = l->shares.front().first - center.first_pool;
    l->rec.accelerator = snapshot().accelerators()[c.accelerator].id;
    l->rec.devices = c.devices;
    l->rec.backend = std::string(backend->kind());
    l->rec.backend_id.clear();
    l->rec.decision = decision.dump();
    l->run_s = c.run_h * 3600;
    l->transfer_fee_cny = c.transfer_fee_cny;
    l->rec.attempts += 1;
    l->rec.updated_at = now;
    l->rec.message = why;
    transitions.push_back({l->rec, fmt::format("placed on {}: {}", center.id, why)});
    if (backend->instant()) {
      // Nothing leaves the process: submit now and commit the three transitions together.
      Result<std::string> handle = backend->Submit(Request(*l));
      if (handle) {
        l->rec.state = JobState::kDispatched;
        l->rec.backend_id = *handle;
        transitions.push_back(
            {l->rec, fmt::format("submitted to {} ({} {})", center.id, backend->kind(), *handle)});
        l->rec.state = JobState::kRunning;
        l->rec.started_at = now;
        l->rec.message = fmt::format("running on {}", center.id);
        transitions.push_back({l->rec, l->rec.message});
      }
    }
  }
  if (transitions.empty()) return;
  if (Status s = Persist(writer, transitions, /*keep=*/false); !s) {
    // Nothing was committed: undo in memory; the next pass tries again.
    for (Live* l : started) {
      FreeDeviceIds(*l);
      core_.Requeue(l->ticket);
    }
    for (Live* l : never) {
      core_.End(l->ticket);
      l->ticket = schedule::kNoTicket;
      arrived_.push_back(l->rec.id);
    }
    for (const JobRecord& r : before) live_.at(r.id)->rec = r;
    return;
  }
  for (Live* l : never) Release(*l);
  Prune();
}

void JobService::Dispatch() {
  // A replica whose lease has lapsed (the database is out of reach, or it was paused) submits nothing: the
  // next leader may be re-attaching to these very jobs.
  if (!MayAct()) return;
  struct Work {
    int64_t id;
    std::shared_ptr<dispatch::Backend> backend;
    dispatch::DispatchRequest request;
    Result<std::string> handle = std::string();
  };
  std::vector<Work> work;
  {
    std::lock_guard lock(mu_);
    const double now = now_();
    for (auto& [id, l] : live_) {
      if (l->rec.state != JobState::kPlaced || l->dispatching) continue;
      const std::shared_ptr<dispatch::Backend>& backend = backends_.at(l->rec.center);
      if (auto r = refusing_.find(backend.get()); r != refusing_.end() && now < r->second.until) continue;
      l->dispatching = true;
      work.push_back({id, backend, Request(*l)});
    }
  }
  if (work.empty()) return;
  SubmitPerBackend(work);
  std::vector<std::pair<std::shared_ptr<dispatch::Backend>, std::string>>
      orphans;  // cancelled while submitting
  Writer writer = Write();
  std::vector<Transition> transitions;
  const double now = now_();
  // Back-off per backend: 1, 2, 4 ... 30 s while it keeps refusing; forgotten at its first acceptance.
  std::map<const dispatch::Backend*, std::string> refusals;
  for (const Work& w : work) {
    if (w.handle) {
      refusing_.erase(w.backend.get());
    } else if (w.handle.error().code == ErrorCode::kRateLimited &&
               w.handle.error().message != dispatch::Backend::kNotTried) {
      refusals[w.backend.get()] = w.handle.error().message;
    }
  }
  for (const auto& [backend, why] : refusals) {
    Refusal& r = refusing_[backend];
    r.backoff_s = std::clamp(r.backoff_s * 2, 1.0, 30.0);
    r.until = now + r.backoff_s;
  }
  for (Work& w : work) {
    auto it = live_.find(w.id);
    if (it == live_.end() || it->second->rec.state != JobState::kPlaced) {
      if (w.handle) orphans.emplace_back(w.backend, *w.handle);
      if (it != live_.end()) it->second->dispatching = false;
      continue;
    }
    Live& l = *it->second;
    l.dispatching = false;
    if (w.handle) {
      l.rec.waiting.clear();
      l.rec.state = JobState::kDispatched;
      l.rec.backend_id = *w.handle;
      l.rec.message = fmt::format("submitted to {} ({} {})", l.rec.center, l.rec.backend, *w.handle);
    } else if (w.handle.error().code == ErrorCode::kRateLimited) {
      // The center cannot take jobs for now: the job keeps its place and is submitted when it accepts again.
      auto why = refusals.find(w.backend.get());
      const std::string message =
          fmt::format("placed on {}, waiting to be submitted: {}; tried again with back-off", l.rec.center,
                      why != refusals.end() ? why->second : w.handle.error().message);
      l.rec.waiting = "backend_refusing";
      if (message == l.rec.message) continue;  // said once, not at every try
      l.rec.message = message;
    } else if (w.handle.error().code == ErrorCode::kValidation) {
      l.rec.state = JobState::kFailed;
      l.rec.finished_at = now;
      l.rec.message = w.handle.error().message;
      Release(l);
    } else {
      PlaceAgain(l, fmt::format("{} could not take it: {}", l.rec.center, w.handle.error().message));
    }
    l.rec.updated_at = now;
    transitions.push_back({l.rec, l.rec.message});
  }
  (void)Persist(writer, transitions);
  Prune();
  writer.state.unlock();
  writer.order.unlock();
  for (auto& [backend, handle] : orphans) (void)backend->Cancel(handle);
}

void JobService::PollJobs() {
  struct Work {
    int64_t id;
    std::string handle;
    std::shared_ptr<dispatch::Backend> backend;
    Result<dispatch::RunStatus> status = dispatch::RunStatus{};
  };
  std::vector<Work> work;
  const double now = now_();
  {
    // Each backend is asked at most once per poll interval, for all its jobs at once (one PollMany: for Slurm
    // one scontrol per cluster however many jobs and however many passes the loop makes), up to
    // kMaxPolledPerPass jobs, taken round-robin from where the last pass stopped.
    std::lock_guard lock(mu_);
    std::map<const dispatch::Backend*, bool> due;
    auto it = live_.upper_bound(poll_cursor_);
    for (size_t seen = 0; seen < live_.size(); ++seen, ++it) {
      if (it == live_.end()) it = live_.begin();
      const Live& l = *it->second;
      if (l.rec.state != JobState::kDispatched && l.rec.state != JobState::kRunning) continue;
      const std::shared_ptr<dispatch::Backend>& backend = backends_.at(l.rec.center);
      auto [d, added] = due.try_emplace(backend.get(), false);
      if (added) d->second = next_backend_poll_[backend.get()] <= now;
      if (!d->second) continue;
      if (work.size() >= kMaxPolledPerPass) break;
      work.push_back({it->first, l.rec.backend_id, backend});
      poll_cursor_ = it->first;
    }
    for (const auto& [backend, is_due] : due) {
      if (is_due) next_backend_poll_[backend] = now + options_.poll_interval_s;
    }
  }
  if (work.empty()) return;
  PollPerBackend(work);
  Writer writer = Write();
  std::vector<Transition> transitions;
  for (Work& w : work) {
    auto it = live_.find(w.id);
    if (it == live_.end() || it->second->rec.backend_id != w.handle || !w.status) continue;
    Live& l = *it->second;
    const dispatch::RunStatus& s = *w.status;
    switch (s.state) {
      case dispatch::RunState::kQueued:
        break;
      case dispatch::RunState::kRunning:
        if (l.rec.state == JobState::kDispatched) {
          l.rec.state = JobState::kRunning;
          l.rec.started_at = s.started_at.value_or(now);
          l.rec.updated_at = now;
          l.rec.message = fmt::format("running on {}", l.rec.center);
          transitions.push_back({l.rec, l.rec.message});
        }
        break;
      case dispatch::RunState::kSucceeded:
      case dispatch::RunState::kFailed:
      case dispatch::RunState::kCancelled:
        Account(l, s, w.backend->time_scale());
        l.rec.state = s.state == dispatch::RunState::kSucceeded ? JobState::kSucceeded
                      : s.state == dispatch::RunState::kFailed  ? JobState::kFailed
                                                                : JobState::kCancelled;
        l.rec.exit_code = s.exit_code;
        l.rec.updated_at = now;
        l.rec.message = s.detail.empty() ? std::string(Name(l.rec.state)) : s.detail;
        transitions.push_back({l.rec, l.rec.message});
        Release(l);
        break;
      case dispatch::RunState::kLost:
        PlaceAgain(l, fmt::format("lost by {}: {}", l.rec.center, s.detail));
        l.rec.updated_at = now;
        transitions.push_back({l.rec, l.rec.message});
        break;
    }
  }
  (void)Persist(writer, transitions);
  Prune();
}

void JobService::TakeSample() {
  Sample s;
  s.at = now_();
  WithLiveSnapshot([&](const placement::Snapshot& net) {
    s.busy.assign(net.centers().size(), 0);
    s.queued.assign(net.centers().size(), 0);
    s.power_kw.assign(net.centers().size(), 0);
    for (const placement::PoolInfo& p : net.pools()) {
      const int64_t busy = p.devices - p.free_devices;
      s.busy[p.center] += static_cast<int32_t>(std::min<int64_t>(busy, INT32_MAX));
      s.queued[p.center] += static_cast<int32_t>(std::min<int64_t>(p.queued_devices, INT32_MAX));
      s.power_kw[p.center] += static_cast<float>(static_cast<double>(busy) * p.energy_kwh_per_device_hour);
    }
  });
  // The leader keeps them in the database too (at most one a second): history survives a restart and a new
  // leader.
  if ((!options_.lease || leading_) && s.at - last_saved_sample_ >= 1.0) {
    SaveSample(s);
    last_saved_sample_ = s.at;
  }
  std::lock_guard lock(sample_mu_);
  samples_.push_back(std::move(s));
  while (samples_.size() > options_.samples_kept) samples_.pop_front();
}

JobService::Series JobService::History(int32_t center, double since) {
  std::lock_guard lock(sample_mu_);
  Series out;
  for (const Sample& s : samples_) {
    if (s.at < since) continue;
    int64_t busy = 0, queued = 0;
    double power = 0, carbon = 0;
    for (size_t i = 0; i < s.busy.size(); ++i) {
      if (center >= 0 && i != static_cast<size_t>(center)) continue;
      busy += s.busy[i];
      queued += s.queued[i];
      power += s.power_kw[i];
      carbon += s.power_kw[i] * carbon_per_kwh_[i];
    }
    out.at.push_back(s.at);
    out.busy.push_back(busy);
    out.queued.push_back(queued);
    out.power_kw.push_back(power);
    out.carbon_kg_per_h.push_back(carbon);
  }
  return out;
}

void JobService::CheckHealth() {
  std::vector<std::pair<std::string, std::shared_ptr<dispatch::Backend>>> real;
  for (const auto& [center, backend] : backends_) {
    if (backend->kind() != "sim") real.emplace_back(center, backend);
  }
  std::vector<std::pair<std::string, Status>> results;
  for (auto& [center, backend] : real) results.emplace_back(center, Status{});
  std::vector<std::future<Status>> pings;
  for (auto& [center, backend] : real)
    pings.push_back(std::async(std::launch::async, [b = backend] { return b->Ping(); }));
  for (size_t k = 0; k < pings.size(); ++k) results[k].second = pings[k].get();
  Writer writer = Write();
  const double now = now_();
  std::vector<Transition> transitions;
  for (auto& [center, status] : results) {
    const uint32_t c = static_cast<uint32_t>(snapshot().CenterIndex(center));
    if (status) {
      failing_since_.erase(center);
      if (down_.erase(center) > 0) {
        core_.SetCenterState(c, drained_.contains(center) ? CenterState::kDraining : CenterState::kUp);
      }
      continue;
    }
    const double since = failing_since_.try_emplace(center, now).first->second;
    if (now - since < options_.backend_timeout_s || down_.contains(center)) continue;
    down_.insert(center);
    core_.SetCenterState(c, CenterState::kDown);
    // Its jobs that have not started go elsewhere.
    for (auto& [id, l] : live_) {
      if (l->rec.center != center ||
          (l->rec.state != JobState::kPlaced && l->rec.state != JobState::kDispatched))
        continue;
      if (l->dispatching) continue;
      PlaceAgain(*l, fmt::format("{} is down (its backend has not answered for {:.0f} s): {}", center,
                                 now - since, status.error().message));
      l->rec.updated_at = now;
      transitions.push_back({l->rec, l->rec.message});
    }
  }
  (void)Persist(writer, transitions);
  Prune();
}

}  // namespace zhisuan::lifecycle
