// lifecycle/commit.cc — how the service's transitions reach the store and its readers: a Writer holds the
// commit order and the state; Persist commits with the state let go (reads and quotes go on), then publishes
// what was committed to the view GET answers from; Prune forgets finished jobs once the store has them; the
// store's health as commits and the integrity check find it.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "lifecycle/live.h"
#include "lifecycle/service.h"

namespace zhisuan::lifecycle {

JobService::Writer JobService::Write() {
  std::unique_lock order(save_mu_);
  std::unique_lock state(mu_);
  return {std::move(order), std::move(state)};
}

void JobService::Publish(JobRecord rec) {
  const int64_t id = rec.id;
  auto shown = std::make_shared<const JobRecord>(std::move(rec));
  Shown fresh;
  fresh.rec = std::move(shown);
  std::lock_guard lock(view_mu_);
  view_[id] = std::move(fresh);
}

void JobService::ShowWaiting(const Live& l) {
  std::lock_guard lock(view_mu_);
  auto it = view_.find(l.rec.id);
  if (it == view_.end() || it->second.rec->state != l.rec.state) return;  // a newer state is being committed
  it->second.waiting = l.rec.waiting;
  it->second.message = l.rec.message;
  it->second.queue_position = l.rec.queue_position;
  it->second.explained_state = l.rec.state;
}

Status JobService::Persist(Writer& w, std::vector<Transition>& transitions, bool keep) {
  if (transitions.empty() && unsaved_.empty()) return {};
  const double now = now_();
  if (!unsaved_.empty() && now < retry_at_) {
    // The store failed a moment ago: wait for the retry instead of hammering it.
    if (keep) std::move(transitions.begin(), transitions.end(), std::back_inserter(unsaved_));
    transitions.clear();
    store_health_.unsaved = unsaved_.size();
    return Fail(ErrorCode::kStore, fmt::format("the store is failing ({}); the next try is in {:.1f} s",
                                               store_health_.problem, retry_at_ - now));
  }
  const size_t earlier = unsaved_.size();
  std::vector<Transition> all = std::move(unsaved_);
  unsaved_.clear();
  std::move(transitions.begin(), transitions.end(), std::back_inserter(all));
  transitions.clear();
  const auto commit_start = std::chrono::steady_clock::now();
  retrying_ = earlier;  // still waiting for the store while it is tried again
  w.state.unlock();     // readers and quotes go on; other writers wait for w.order
  Status s = store_.Save(all);
  w.state.lock();
  retrying_ = 0;
  const double commit_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
  commit_seconds_sum_ += commit_s;
  commit_seconds_max_ = std::max(commit_seconds_max_, commit_s);
  ++commits_;
  if (s) {
    if (!store_health_.problem.empty() && corruption_.empty()) {
      options_.log->Event(Log::Level::kInfo, "store",
                          fmt::format("commits again after {:.1f} s; {} waiting transitions saved",
                                      now - store_health_.failing_since, earlier));
    }
    backoff_s_ = 0;
    store_health_ = StoreHealth{corruption_.empty(), corruption_, 0, 0};
    for (Transition& t : all) {  // in order: a job's last transition is what it now is
      if (live_.contains(t.record.id)) Publish(std::move(t.record));
    }
    return {};
  }
  if (store_health_.ok) store_health_.failing_since = now;
  store_health_.ok = false;
  store_health_.problem = s.error().message;
  backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
  retry_at_ = now + backoff_s_;
  if (!keep) all.resize(earlier);  // the caller undoes its own; the earlier ones still wait
  unsaved_ = std::move(all);
  store_health_.unsaved = unsaved_.size();
  options_.log->Event(Log::Level::kError, "store",
                      fmt::format("commit failed ({} transitions waiting, next try in {:.1f} s): {}",
                                  unsaved_.size(), backoff_s_, s.error().message));
  return s;
}

void JobService::Prune() {
  if (!unsaved_.empty()) return;  // a finished job stays readable here until the store has it
  for (auto it = live_.begin(); it != live_.end();) {
    auto next = std::next(it);
    if (Terminal(it->second->rec.state)) Forget(it);
    it = next;
  }
}

void JobService::CheckStore() {
  Status s = store_.CheckIntegrity();  // outside mu_: it reads the whole file
  std::lock_guard lock(mu_);
  const std::string found = s ? std::string() : s.error().message;
  if (found == corruption_) return;
  corruption_ = found;
  if (!found.empty()) {
    options_.log->Event(Log::Level::kCritical, "store", fmt::format("integrity check failed: {}", found));
    if (store_health_.ok) store_health_.failing_since = now_();
    store_health_.ok = false;
    store_health_.problem = found;
  } else if (unsaved_.empty()) {
    store_health_ = StoreHealth{};
  }
}

StoreHealth JobService::Health() {
  std::lock_guard lock(mu_);
  StoreHealth h = store_health_;
  h.unsaved = unsaved_.size() + retrying_;
  return h;
}

}  // namespace zhisuan::lifecycle
