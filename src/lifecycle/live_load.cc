// lifecycle/live_load.cc — the leader's live load for the replicas that do not lead: the leader writes its
// snapshot's devices free and queued for per pool, their releases and the centers' states to the database
// about once a second while they change; a follower reads them, at most twice a second when asked, into a
// copy of its snapshot, so that /api/v1/live, its history and quotes answer the same on every replica. The
// leader's samples of the load go to the database as well, so that the history outlives a restart.
#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "lifecycle/service.h"

namespace zhisuan::lifecycle {
namespace {

using Json = nlohmann::json;

int StateCode(CenterState s) { return s == CenterState::kUp ? 0 : s == CenterState::kDraining ? 1 : 2; }

// The load as text: {"pools": [[free, queued, [at, devices, ...]], ...], "centers": [state, ...]}.
std::string Encode(const placement::Snapshot& s) {
  Json pools = Json::array();
  for (const placement::PoolInfo& p : s.pools()) {
    Json releases = Json::array();
    for (const placement::Release& r : p.releases.Entries()) {
      releases.push_back(r.at_s);
      releases.push_back(r.devices);
    }
    pools.push_back(Json::array({p.free_devices, p.queued_devices, std::move(releases)}));
  }
  Json centers = Json::array();
  for (const placement::CenterInfo& c : s.centers()) centers.push_back(StateCode(c.state));
  return Json{{"pools", std::move(pools)}, {"centers", std::move(centers)}}.dump();
}

// Applies a load onto `s` (built from the same registry); false, leaving `s` as it was, when the text does
// not fit it (another registry, or not a load).
bool Apply(const std::string& text, placement::Snapshot& s) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("pools") || !j.contains("centers")) return false;
  const Json &pools = j["pools"], &centers = j["centers"];
  if (!pools.is_array() || pools.size() != s.pools().size() || !centers.is_array() ||
      centers.size() != s.centers().size())
    return false;
  for (const Json& p : pools) {
    if (!p.is_array() || p.size() != 3 || !p[0].is_number_integer() || !p[1].is_number_integer() ||
        !p[2].is_array() || p[2].size() % 2 != 0)
      return false;
    for (size_t k = 0; k < p[2].size(); k += 2) {
      if (!p[2][k].is_number() || !p[2][k + 1].is_number_integer()) return false;
    }
  }
  for (const Json& c : centers) {
    if (!c.is_number_integer() || c.get<int>() < 0 || c.get<int>() > 2) return false;
  }
  for (uint32_t i = 0; i < pools.size(); ++i) {
    const Json& p = pools[i];
    std::vector<placement::Release> releases;
    for (size_t k = 0; k < p[2].size(); k += 2)
      releases.push_back({p[2][k].get<double>(), p[2][k + 1].get<int64_t>()});
    s.SetPoolState(i, p[0].get<int64_t>(), std::move(releases));
    s.Queue(i, p[1].get<int64_t>() - s.pools()[i].queued_devices);
  }
  for (uint32_t i = 0; i < centers.size(); ++i) {
    const int code = centers[i].get<int>();
    s.SetCenterState(i, code == 0   ? CenterState::kUp
                        : code == 1 ? CenterState::kDraining
                                    : CenterState::kDown);
  }
  return true;
}

double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void JobService::PublishLoad() {
  std::string load;
  {
    std::lock_guard lock(mu_);
    load = Encode(snapshot());
  }
  if (load == published_load_) return;
  int64_t epoch = 0;
  {
    std::lock_guard lock(lease_mu_);
    epoch = leadership_.epoch;
  }
  if (Status s = store_.PublishLoad(epoch, load); !s) {
    options_.log->Event(Log::Level::kWarn, "replica", "cannot write the live load: " + s.error().message);
    return;
  }
  published_load_ = std::move(load);
}

void JobService::RefreshLoad() {
  std::unique_lock lock(load_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another reader is refreshing it: take the one shown now
  const double now = SteadyNow();
  if (now - load_read_at_ < 0.5) return;
  load_read_at_ = now;
  Result<std::optional<JobStore::LoadRow>> row = store_.LatestLoad();
  if (!row || !row->has_value() || (*row)->at == load_at_) return;
  if (!follower_live_) {  // the registry's, as this replica built it
    std::lock_guard state(mu_);
    follower_live_ = snapshot();
  }
  placement::Snapshot next = *follower_live_;
  if (!Apply((*row)->load, next)) {
    options_.log->Event(Log::Level::kWarn, "replica",
                        "the leader's live load does not fit this replica's registry; showing none");
    return;
  }
  follower_live_ = std::move(next);
  load_at_ = (*row)->at;
}

void JobService::SaveSample(const Sample& s) {
  const Json data = {{"busy", s.busy}, {"queued", s.queued}, {"power_kw", s.power_kw}};
  const double kept_s =
      static_cast<double>(options_.samples_kept) * std::max(1.0, options_.sample_interval_s);
  if (Status saved = store_.AddSample(s.at, data.dump(), s.at - kept_s); !saved) {
    options_.log->Event(Log::Level::kWarn, "samples", "cannot keep a sample: " + saved.error().message);
  }
}

void JobService::LoadSamples() {
  const double kept_s =
      static_cast<double>(options_.samples_kept) * std::max(1.0, options_.sample_interval_s);
  Result<std::vector<std::pair<double, std::string>>> rows = store_.Samples(now_() - kept_s);
  if (!rows) {
    options_.log->Event(Log::Level::kWarn, "samples",
                        "cannot read the kept samples: " + rows.error().message);
    return;
  }
  const size_t centers = snapshot().centers().size();
  std::deque<Sample> loaded;
  for (const auto& [at, text] : *rows) {
    const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    auto fits = [&](const char* key) {
      if (!j.is_object() || !j.contains(key) || !j[key].is_array() || j[key].size() != centers) return false;
      for (const Json& v : j[key])
        if (!v.is_number()) return false;
      return true;
    };
    if (!fits("busy") || !fits("queued") || !fits("power_kw")) continue;  // another registry's, or not ours
    Sample s;
    s.at = at;
    for (const Json& v : j["busy"]) s.busy.push_back(v.get<int32_t>());
    for (const Json& v : j["queued"]) s.queued.push_back(v.get<int32_t>());
    for (const Json& v : j["power_kw"]) s.power_kw.push_back(v.get<float>());
    loaded.push_back(std::move(s));
  }
  while (loaded.size() > options_.samples_kept) loaded.pop_front();
  std::lock_guard lock(sample_mu_);
  samples_ = std::move(loaded);
}

void JobService::WithLiveSnapshot(const std::function<void(const placement::Snapshot&)>& fn) {
  if (options_.lease && !leading_) {
    RefreshLoad();
    std::lock_guard lock(load_mu_);
    if (follower_live_) return fn(*follower_live_);
  }
  std::lock_guard one_reader(reader_mu_);
  std::lock_guard lock(mu_);
  fn(snapshot());
}

}  // namespace zhisuan::lifecycle
