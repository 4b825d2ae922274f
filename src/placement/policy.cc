#include "placement/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "placement/evaluate.h"

namespace zhisuan::placement {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Keeps the best `k` candidates, one per center.
class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<size_t>(std::max(1, k))) { items_.reserve(k_); }
  double threshold() const { return items_.size() < k_ ? kInf : items_.back().score; }
  static bool MayTie(double, uint32_t) { return true; }
  void Offer(const Candidate& c) {
    for (Candidate& have : items_) {
      if (have.center != c.center) continue;
      if (Better(c, have)) {
        have = c;
        std::ranges::sort(items_, Better);
      }
      return;
    }
    if (items_.size() == k_ && !Better(c, items_.back())) return;
    if (items_.size() == k_) items_.pop_back();
    items_.insert(std::ranges::upper_bound(items_, c, Better), c);
  }
  std::vector<Candidate> Take() { return std::move(items_); }

 private:
  size_t k_;
  std::vector<Candidate> items_;
};

// Keeps the best candidate only: TopK(1) without its storage.
class Best {
 public:
  double threshold() const { return best_ ? best_->score : kInf; }
  // Whether a candidate scoring exactly the threshold, finishing no earlier than `min_finish_h`, in `pool`,
  // could still be better (Better: an earlier finish, or the same finish in a lower pool).
  bool MayTie(double min_finish_h, uint32_t pool) const {
    return !best_ || min_finish_h < best_->finish_h ||
           (min_finish_h == best_->finish_h && pool < best_->pool);
  }
  void Offer(const Candidate& c) {
    if (!best_ || Better(c, *best_)) best_ = c;
  }
  std::optional<Candidate> Take() { return std::move(best_); }

 private:
  std::optional<Candidate> best_;
};

// The least feasible candidate under `less` over every center (a total order, so it is the front Rank's sort
// would give), keeping nothing else. With `stop_at_start_now`, the first candidate that starts now is the
// least (first-fit: such candidates come first, then by pool, and pools are numbered in center order).
template <typename Less>
std::optional<Candidate> LeastOf(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o, Less less,
                                 bool stop_at_start_now = false) {
  const Evaluator ev(s, job, o.objective, o.now_s, false);
  std::optional<Candidate> best;
  for (uint32_t c = 0; c < s.centers().size(); ++c) {
    Evaluation e = ev.EvaluateCenter(c);
    if (e.reject != Reject::kOk) continue;
    if (stop_at_start_now && !(e.candidate.start_h > 0)) return std::move(e.candidate);
    if (!best || less(e.candidate, *best)) best = std::move(e.candidate);
  }
  return best;
}

std::string Money(double cny) { return fmt::format("{:.2f} CNY", cny); }

std::string ScoreText(const Candidate& c, const Objective& o) {
  switch (o.kind) {
    case ObjectiveKind::kCost:
      if (c.scarcity_cny >= 0.005) {
        return fmt::format("{} (price {} + transfer fee {} + scarcity premium {}, not billed)",
                           Money(c.score), Money(c.price_cny), Money(c.transfer_fee_cny),
                           Money(c.scarcity_cny));
      }
      return fmt::format("{} (price {} + transfer fee {})", Money(c.score), Money(c.price_cny),
                         Money(c.transfer_fee_cny));
    case ObjectiveKind::kEnergy:
      return fmt::format("{:.1f} kWh", c.energy_kwh);
    case ObjectiveKind::kCarbon:
      return fmt::format("{:.1f} kgCO2", c.carbon_kg);
    case ObjectiveKind::kTime:
      return fmt::format("finish in {:.2f} h", c.finish_h);
    case ObjectiveKind::kWeighted:
      return fmt::format("weighted {}", Money(c.score));
  }
  return "";
}

std::string RuleOf(std::string_view policy, ObjectiveKind kind) {
  if (policy == "lowest-cost") return fmt::format("lowest {}", Name(kind));
  if (policy == "nearest-data") return "nearest to the data";
  if (policy == "least-loaded") return "least loaded";
  if (policy == "first-fit") return "first fit";
  return "random draw";
}

}  // namespace

std::string Why(const Snapshot& s, const Decision& d) {
  if (!d.chosen) {
    return d.rejections.empty()
               ? "no feasible placement"
               : fmt::format("no feasible placement: all {} centers rejected", d.rejections.size());
  }
  const Candidate& c = *d.chosen;
  const std::string counted =
      d.feasible_centers >= 0 ? fmt::format(" among {} feasible centers", d.feasible_centers) : "";
  std::string why =
      fmt::format("{}{}: {} pool {} with {}", RuleOf(d.policy, d.objective.kind), counted,
                  s.centers()[c.center].id, s.accelerators()[c.accelerator].id, ScoreText(c, d.objective));
  if (c.shift_h > 0) {
    why += fmt::format(", held {:.2f} h on purpose for a cheaper time-of-use period (saves {})", c.shift_h,
                       Money(c.shift_saving_cny));
  } else if (c.start_h > 0) {
    why += fmt::format(", waiting {:.2f} h for devices", c.start_h);
  }
  if (d.candidates.size() > 1) {
    const Candidate& next = d.candidates[1];
    const double pct = c.score > 0 ? 100.0 * (next.score - c.score) / c.score : 0.0;
    why += fmt::format("; next best {} at {} ({:+.2f}%)", s.centers()[next.center].id,
                       ScoreText(next, d.objective), pct);
  }
  return why;
}

namespace {

// The ranked decision of a scan under a policy's order.
template <typename Less>
Decision Rank(Scan scan, const PlaceOptions& o, std::string_view policy, Less less) {
  Decision d;
  d.policy = std::string(policy);
  d.objective = o.objective;
  d.feasible_centers = static_cast<int64_t>(scan.feasible.size());
  std::ranges::sort(scan.feasible, less);
  if (scan.feasible.size() > static_cast<size_t>(std::max(1, o.top_k)))
    scan.feasible.resize(static_cast<size_t>(std::max(1, o.top_k)));
  d.candidates = std::move(scan.feasible);
  if (!d.candidates.empty()) d.chosen = d.candidates.front();
  d.rejections = std::move(scan.rejections);
  return d;
}

RateKind RateFor(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kEnergy:
      return RateKind::kEnergy;
    case ObjectiveKind::kCarbon:
      return RateKind::kCarbon;
    default:
      return RateKind::kPrice;
  }
}

class LowestCost final : public Policy {
 public:
  std::string_view name() const override { return "lowest-cost"; }

  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    if (o.explain || !Indexable(job, o)) return Rank(ScanAll(s, job, o, o.explain), o, name(), Better);
    TopK top(o.top_k);
    Indexed(s, job, o, top);
    Decision d;
    d.policy = std::string(name());
    d.objective = o.objective;
    d.candidates = top.Take();
    if (!d.candidates.empty()) d.chosen = d.candidates.front();
    return d;
  }

  std::optional<Candidate> Choose(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    if (!Indexable(job, o)) return LeastOf(s, job, o, Better);
    Best best;
    Indexed(s, job, o, best);
    return best.Take();
  }

 private:
  // The rate bound holds for one pool of a static objective; a non-gang job may span pools, so it takes the
  // full scan.
  static bool Indexable(const PreparedJob& job, const PlaceOptions& o) {
    const auto kind = o.objective.kind;
    return kind != ObjectiveKind::kTime && kind != ObjectiveKind::kWeighted && job.gang;
  }

  // Walks each eligible model's pools in ascending rate. A pool's score is at least rate x device-hours plus
  // the transfer fee when the pool is outside the data's province (the fee is the same for every other
  // province), so the data province's list is walked first and each list stops at the first pool whose bound
  // cannot beat the k-th best so far.
  template <typename Sink>
  static void Indexed(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o, Sink& top) {
    const Evaluator ev(s, job, o.objective, o.now_s, false);
    const RateKind rate = RateFor(o.objective.kind);
    const double devices = static_cast<double>(job.devices);
    const bool has_fee = rate == RateKind::kPrice && job.data_province != kNone && job.data_gb > 0;
    const double fee = has_fee ? job.data_gb * s.params().transfer_fee_cny_per_gb : 0.0;
    // `skip_province`: pools there were walked already (the data province's own list).
    // A list is walked while its bound is below the threshold; at a tie only while a pool could still win on
    // an earlier finish (a finish is at least the run), since lists are in (rate, pool) order.
    auto walk = [&](const std::vector<RatedPool>& pools, const JobModel& m, double extra,
                    int32_t skip_province) {
      const double device_hours = devices * m.run_h;
      for (const RatedPool& rp : pools) {
        const double bound = rp.rate * device_hours + extra;
        if (bound > top.threshold() || (bound == top.threshold() && !top.MayTie(m.run_h, rp.pool))) break;
        const PoolInfo& pool = s.pools()[rp.pool];
        if (skip_province != kNone && s.centers()[pool.center].province == skip_province) continue;
        // A filling pool's scarcity premium (cost objective) is known before evaluating it: skip the pool,
        // though not the pools after it in the list, whose premium may be lower.
        if (rate == RateKind::kPrice &&
            bound + pool.scarcity_cny_per_device_hour * device_hours > top.threshold()) {
          continue;
        }
        if (ev.CheckCenter(pool.center, nullptr) != Reject::kOk) continue;
        const Evaluation e = ev.EvaluatePool(rp.pool);
        if (e.reject == Reject::kOk) top.Offer(e.candidate);
      }
    };
    // Models in order of their best bound, so the threshold tightens early (insertion sort: a job allows a
    // few).
    constexpr size_t kInline = 16;
    std::pair<double, const JobModel*> inline_order[kInline];
    std::vector<std::pair<double, const JobModel*>> heap_order;
    std::pair<double, const JobModel*>* order = inline_order;
    if (job.models.size() > kInline) {
      heap_order.resize(job.models.size());
      order = heap_order.data();
    }
    size_t n = 0;
    for (const JobModel& m : job.models) {
      const auto& all = s.PoolsByRate(m.accelerator, rate);
      const std::pair<double, const JobModel*> item{all.empty() ? kInf : all.front().rate * devices * m.run_h,
                                                    &m};
      size_t i = n++;
      for (; i > 0 && item.first < order[i - 1].first; --i) order[i] = order[i - 1];
      order[i] = item;
    }
    // No pool of a model can meet the deadline when the run alone is longer than the time left.
    const double deadline_h = (job.deadline_at_s - o.now_s) / 3600.0;
    for (size_t k = 0; k < n; ++k) {
      const auto& [bound, m] = order[k];
      if (bound > top.threshold() || m->run_h > deadline_h) continue;
      if (!job.residency.empty()) {
        for (size_t prov = 0; prov < job.residency.size(); ++prov) {
          if (!job.residency[prov]) continue;
          const bool local = static_cast<int32_t>(prov) == job.data_province;
          walk(s.PoolsByRate(m->accelerator, static_cast<int32_t>(prov), rate), *m, local ? 0.0 : fee, kNone);
        }
      } else if (has_fee) {
        walk(s.PoolsByRate(m->accelerator, job.data_province, rate), *m, 0.0, kNone);
        walk(s.PoolsByRate(m->accelerator, rate), *m, fee, job.data_province);
      } else {
        walk(s.PoolsByRate(m->accelerator, rate), *m, 0.0, kNone);
      }
    }
  }
};

// Baselines rank feasible candidates by their own rule, preferring candidates that can start now.
bool StartsLater(const Candidate& a, const Candidate& b) { return (a.start_h > 0) && !(b.start_h > 0); }

// A baseline: a total order over candidates, used to rank (Place) or to pick the least (Choose).
template <typename Rule>
class Ranked final : public Policy {
 public:
  std::string_view name() const override { return Rule::kName; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    return Rank(ScanAll(s, job, o, o.explain), o, name(), Rule{s});
  }
  std::optional<Candidate> Choose(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    return LeastOf(s, job, o, Rule{s}, Rule::kFirstStartingNowWins);
  }
};

struct NearestDataRule {
  static constexpr std::string_view kName = "nearest-data";
  const Snapshot& s;
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
    if (a.rtt_ms != b.rtt_ms) return a.rtt_ms < b.rtt_ms;
    return Better(a, b);
  }
};

// Nearest-data's Choose walks the centers nearest first and stops once a candidate that starts now is nearer
// than every center left (none of them can come before it in the order).
class NearestData final : public Policy {
 public:
  std::string_view name() const override { return NearestDataRule::kName; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    return Rank(ScanAll(s, job, o, o.explain), o, name(), NearestDataRule{s});
  }
  std::optional<Candidate> Choose(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    const NearestDataRule less{s};
    // The province candidates measure their RTT from (Evaluator::Price); without one every RTT is 0.
    const int32_t from = job.user_province != kNone ? job.user_province : job.data_province;
    if (from == kNone) return LeastOf(s, job, o, less);
    const Evaluator ev(s, job, o.objective, o.now_s, false);
    std::optional<Candidate> best;
    for (const uint32_t c : s.CentersByRtt(from)) {
      if (best && !(best->start_h > 0) && s.RttMs(from, s.centers()[c].province) > best->rtt_ms) break;
      Evaluation e = ev.EvaluateCenter(c);
      if (e.reject == Reject::kOk && (!best || less(e.candidate, *best))) best = std::move(e.candidate);
    }
    return best;
  }
};

struct LeastLoadedRule {
  static constexpr std::string_view kName = "least-loaded";
  static constexpr bool kFirstStartingNowWins = false;
  const Snapshot& s;
  double FreeShare(const Candidate& c) const {
    const CenterInfo& center = s.centers()[c.center];
    int64_t free = 0, total = 0;
    for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
      free += s.pools()[p].free_devices;
      total += s.pools()[p].devices;
    }
    return total > 0 ? static_cast<double>(free) / static_cast<double>(total) : 0.0;
  }
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
    const double fa = FreeShare(a), fb = FreeShare(b);
    if (fa != fb) return fa > fb;
    return Better(a, b);
  }
};

struct FirstFitRule {
  static constexpr std::string_view kName = "first-fit";
  static constexpr bool kFirstStartingNowWins = true;  // see LeastOf
  const Snapshot& s;
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
    if (a.start_h != b.start_h) return a.start_h < b.start_h;
    return a.pool < b.pool;
  }
};

// Uniform among the feasible candidates that start now, else among all: each feasible candidate draws a key
// in scan order and the least (start-now first, then key) wins.
class Random final : public Policy {
 public:
  explicit Random(uint64_t seed) : state_(seed == 0 ? 0x9E3779B97F4A7C15ull : seed) {}
  std::string_view name() const override { return "random"; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    Scan scan = ScanAll(s, job, o, o.explain);
    std::vector<std::pair<uint64_t, Candidate>> keyed;
    keyed.reserve(scan.feasible.size());
    for (Candidate& c : scan.feasible) keyed.emplace_back(Next(), std::move(c));
    std::ranges::sort(
        keyed, [](const auto& a, const auto& b) { return Less(a.first, a.second, b.first, b.second); });
    Decision d;
    d.policy = std::string(name());
    d.objective = o.objective;
    d.feasible_centers = static_cast<int64_t>(keyed.size());
    for (auto& [key, c] : keyed) {
      if (d.candidates.size() == static_cast<size_t>(std::max(1, o.top_k))) break;
      d.candidates.push_back(std::move(c));
    }
    if (!d.candidates.empty()) d.chosen = d.candidates.front();
    d.rejections = std::move(scan.rejections);
    return d;
  }
  std::optional<Candidate> Choose(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    const Evaluator ev(s, job, o.objective, o.now_s, false);
    std::optional<Candidate> best;
    uint64_t best_key = 0;
    for (uint32_t c = 0; c < s.centers().size(); ++c) {
      Evaluation e = ev.EvaluateCenter(c);
      if (e.reject != Reject::kOk) continue;
      const uint64_t key = Next();
      if (!best || Less(key, e.candidate, best_key, *best)) {
        best = std::move(e.candidate);
        best_key = key;
      }
    }
    return best;
  }

 private:
  static bool Less(uint64_t ka, const Candidate& a, uint64_t kb, const Candidate& b) {
    if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
    return ka != kb ? ka < kb : a.pool < b.pool;
  }
  uint64_t Next() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  uint64_t state_;
};

}  // namespace

std::string_view Name(Reject r) {
  switch (r) {
    case Reject::kOk:
      return "ok";
    case Reject::kCenterState:
      return "center_state";
    case Reject::kResidency:
      return "residency";
    case Reject::kLatency:
      return "latency";
    case Reject::kNoModel:
      return "no_model";
    case Reject::kNotInService:
      return "not_in_service";
    case Reject::kTooSmall:
      return "too_small";
    case Reject::kBusy:
      return "busy";
    case Reject::kDeadline:
      return "deadline";
  }
  return "?";
}

std::string_view Name(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kCost:
      return "cost";
    case ObjectiveKind::kEnergy:
      return "energy";
    case ObjectiveKind::kCarbon:
      return "carbon";
    case ObjectiveKind::kTime:
      return "time";
    case ObjectiveKind::kWeighted:
      return "weighted";
  }
  return "?";
}

std::optional<ObjectiveKind> ParseObjective(std::string_view s) {
  for (ObjectiveKind k : {ObjectiveKind::kCost, ObjectiveKind::kEnergy, ObjectiveKind::kCarbon,
                          ObjectiveKind::kTime, ObjectiveKind::kWeighted}) {
    if (Name(k) == s) return k;
  }
  return std::nullopt;
}

Scan ScanAll(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o, bool with_reasons) {
  Scan scan;
  const Evaluator ev(s, job, o.objective, o.now_s, with_reasons);
  for (uint32_t c = 0; c < s.centers().size(); ++c) {
    Evaluation e = ev.EvaluateCenter(c);
    if (e.reject == Reject::kOk) {
      scan.feasible.push_back(e.candidate);
    } else if (with_reasons) {
      scan.rejections.push_back({c, e.reject, std::move(e.reason)});
    }
  }
  return scan;
}

Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name, uint64_t seed) {
  if (name == "lowest-cost") return std::make_unique<LowestCost>();
  if (name == "nearest-data") return std::make_unique<NearestData>();
  if (name == "least-loaded") return std::make_unique<Ranked<LeastLoadedRule>>();
  if (name == "first-fit") return std::make_unique<Ranked<FirstFitRule>>();
  if (name == "random") return std::make_unique<Random>(seed);
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("policy: unknown policy '{}' (one of {})", name, kPolicyNames));
}

}  // namespace zhisuan::placement
