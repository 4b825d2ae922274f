#include "placement/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "placement/evaluate.h"

namespace zhisuan::placement {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool ByScore(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.finish_h != b.finish_h) return a.finish_h < b.finish_h;
  return a.pool < b.pool;
}

// Keeps the best `k` candidates, one per center.
class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<size_t>(std::max(1, k))) { items_.reserve(k_); }
  double threshold() const { return items_.size() < k_ ? kInf : items_.back().score; }
  void Offer(const Candidate& c) {
    for (Candidate& have : items_) {
      if (have.center != c.center) continue;
      if (ByScore(c, have)) {
        have = c;
        std::ranges::sort(items_, ByScore);
      }
      return;
    }
    if (items_.size() == k_ && !ByScore(c, items_.back())) return;
    if (items_.size() == k_) items_.pop_back();
    items_.insert(std::ranges::upper_bound(items_, c, ByScore), c);
  }
  std::vector<Candidate> Take() { return std::move(items_); }

 private:
  size_t k_;
  std::vector<Candidate> items_;
};

std::string Money(double cny) { return fmt::format("{:.2f} CNY", cny); }

std::string ScoreText(const Candidate& c, const Objective& o) {
  switch (o.kind) {
    case ObjectiveKind::kCost:
      return fmt::format("{} (price {} + transfer fee {})", Money(c.score), Money(c.price_cny),
                         Money(c.transfer_fee_cny));
    case ObjectiveKind::kEnergy: return fmt::format("{:.1f} kWh", c.energy_kwh);
    case ObjectiveKind::kCarbon: return fmt::format("{:.1f} kgCO2", c.carbon_kg);
    case ObjectiveKind::kTime: return fmt::format("finish in {:.2f} h", c.finish_h);
    case ObjectiveKind::kWeighted: return fmt::format("weighted {}", Money(c.score));
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
    return d.rejections.empty() ? "no feasible placement"
                                : fmt::format("no feasible placement: all {} centers rejected", d.rejections.size());
  }
  const Candidate& c = *d.chosen;
  const std::string counted =
      d.feasible_centers >= 0 ? fmt::format(" among {} feasible centers", d.feasible_centers) : "";
  std::string why = fmt::format("{}{}: {} pool {} with {}", RuleOf(d.policy, d.objective.kind), counted,
                                s.centers()[c.center].id, s.accelerators()[c.accelerator].id, ScoreText(c, d.objective));
  if (c.start_h > 0) why += fmt::format(", waiting {:.2f} h for devices", c.start_h);
  if (d.candidates.size() > 1) {
    const Candidate& next = d.candidates[1];
    const double pct = c.score > 0 ? 100.0 * (next.score - c.score) / c.score : 0.0;
    why += fmt::format("; next best {} at {} ({:+.2f}%)", s.centers()[next.center].id, ScoreText(next, d.objective),
                       pct);
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
  if (scan.feasible.size() > static_cast<size_t>(std::max(1, o.top_k))) scan.feasible.resize(static_cast<size_t>(std::max(1, o.top_k)));
  d.candidates = std::move(scan.feasible);
  if (!d.candidates.empty()) d.chosen = d.candidates.front();
  d.rejections = std::move(scan.rejections);
  return d;
}

RateKind RateFor(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kEnergy: return RateKind::kEnergy;
    case ObjectiveKind::kCarbon: return RateKind::kCarbon;
    default: return RateKind::kPrice;
  }
}

class LowestCost final : public Policy {
 public:
  std::string_view name() const override { return "lowest-cost"; }

  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    const auto kind = o.objective.kind;
    // The rate bound holds for one pool; a non-gang job may span pools, so it takes the full scan.
    if (o.explain || kind == ObjectiveKind::kTime || kind == ObjectiveKind::kWeighted || !job.job->gang) {
      return Rank(ScanAll(s, job, o, o.explain), o, name(), ByScore);
    }
    return Indexed(s, job, o);
  }

 private:
  // Walks each eligible model's pools in ascending rate. A pool's score is at least rate x device-hours plus the
  // transfer fee when the pool is outside the data's province (the fee is the same for every other province), so
  // the data province's list is walked first and each list stops at the first pool whose bound cannot beat the
  // k-th best so far.
  Decision Indexed(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) {
    const Evaluator ev(s, job, o.objective, o.now_s, false);
    const RateKind rate = RateFor(o.objective.kind);
    TopK top(o.top_k);
    const Job& spec = *job.job;
    const double devices = static_cast<double>(spec.devices);
    const bool has_fee = rate == RateKind::kPrice && job.data_province != kNone && spec.data.size_gb > 0;
    const double fee = has_fee ? spec.data.size_gb * s.params().transfer_fee_cny_per_gb : 0.0;
    // `skip_province`: pools there were walked already (the data province's own list).
    auto walk = [&](const std::vector<RatedPool>& pools, double device_hours, double extra, int32_t skip_province) {
      for (const RatedPool& rp : pools) {
        if (rp.rate * device_hours + extra >= top.threshold()) break;
        const PoolInfo& pool = s.pools()[rp.pool];
        if (skip_province != kNone && s.centers()[pool.center].province == skip_province) continue;
        if (ev.CheckCenter(pool.center, nullptr) != Reject::kOk) continue;
        const Evaluation e = ev.EvaluatePool(rp.pool);
        if (e.reject == Reject::kOk) top.Offer(e.candidate);
      }
    };
    // Models in order of their best bound, so the threshold tightens early.
    std::vector<std::pair<double, const JobModel*>> order;
    order.reserve(job.models.size());
    for (const JobModel& m : job.models) {
      const auto& all = s.PoolsByRate(m.accelerator, rate);
      order.emplace_back(all.empty() ? kInf : all.front().rate * devices * m.run_h, &m);
    }
    std::ranges::sort(order, {}, &std::pair<double, const JobModel*>::first);
    // No pool of a model can meet the deadline when the run alone is longer than the time left.
    const double deadline_h = (job.deadline_at_s - o.now_s) / 3600.0;
    for (const auto& [bound, m] : order) {
      const double device_hours = devices * m->run_h;
      if (bound >= top.threshold() || m->run_h > deadline_h) continue;
      if (!job.residency.empty()) {
        for (size_t prov = 0; prov < job.residency.size(); ++prov) {
          if (!job.residency[prov]) continue;
          const bool local = static_cast<int32_t>(prov) == job.data_province;
          walk(s.PoolsByRate(m->accelerator, static_cast<int32_t>(prov), rate), device_hours, local ? 0.0 : fee, kNone);
        }
      } else if (has_fee) {
        walk(s.PoolsByRate(m->accelerator, job.data_province, rate), device_hours, 0.0, kNone);
        walk(s.PoolsByRate(m->accelerator, rate), device_hours, fee, job.data_province);
      } else {
        walk(s.PoolsByRate(m->accelerator, rate), device_hours, 0.0, kNone);
      }
    }
    Decision d;
    d.policy = std::string(name());
    d.objective = o.objective;
    d.candidates = top.Take();
    if (!d.candidates.empty()) d.chosen = d.candidates.front();
    return d;
  }
};

// Baselines rank feasible candidates by their own rule, preferring candidates that can start now.
bool StartsLater(const Candidate& a, const Candidate& b) { return (a.start_h > 0) && !(b.start_h > 0); }

class NearestData final : public Policy {
 public:
  std::string_view name() const override { return "nearest-data"; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    return Rank(ScanAll(s, job, o, o.explain), o, name(), [](const Candidate& a, const Candidate& b) {
      if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
      if (a.rtt_ms != b.rtt_ms) return a.rtt_ms < b.rtt_ms;
      return ByScore(a, b);
    });
  }
};

class LeastLoaded final : public Policy {
 public:
  std::string_view name() const override { return "least-loaded"; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    auto free_share = [&s](const Candidate& c) {
      const CenterInfo& center = s.centers()[c.center];
      int64_t free = 0, total = 0;
      for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
        free += s.pools()[p].free_devices;
        total += s.pools()[p].devices;
      }
      return total > 0 ? static_cast<double>(free) / static_cast<double>(total) : 0.0;
    };
    return Rank(ScanAll(s, job, o, o.explain), o, name(), [&](const Candidate& a, const Candidate& b) {
      if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
      const double fa = free_share(a), fb = free_share(b);
      if (fa != fb) return fa > fb;
      return ByScore(a, b);
    });
  }
};

class FirstFit final : public Policy {
 public:
  std::string_view name() const override { return "first-fit"; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    return Rank(ScanAll(s, job, o, o.explain), o, name(), [](const Candidate& a, const Candidate& b) {
      if (StartsLater(a, b) != StartsLater(b, a)) return StartsLater(b, a);
      if (a.start_h != b.start_h) return a.start_h < b.start_h;
      return a.pool < b.pool;
    });
  }
};

class Random final : public Policy {
 public:
  explicit Random(uint64_t seed) : state_(seed == 0 ? 0x9E3779B97F4A7C15ull : seed) {}
  std::string_view name() const override { return "random"; }
  Decision Place(const Snapshot& s, const PreparedJob& job, const PlaceOptions& o) override {
    Scan scan = ScanAll(s, job, o, o.explain);
    // Draw a uniform order among those that start now, then the rest.
    std::vector<std::pair<uint64_t, Candidate>> keyed;
    for (Candidate& c : scan.feasible) keyed.emplace_back(Next(), c);
    std::ranges::sort(keyed, [](const auto& a, const auto& b) {
      if (StartsLater(a.second, b.second) != StartsLater(b.second, a.second)) return StartsLater(b.second, a.second);
      return a.first < b.first;
    });
    scan.feasible.clear();
    for (auto& [key, c] : keyed) scan.feasible.push_back(c);
    return Rank(std::move(scan), o, name(), [](const Candidate&, const Candidate&) { return false; });
  }

 private:
  uint64_t Next() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  uint64_t state_;
};

}  // namespace

std::string_view Name(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kCost: return "cost";
    case ObjectiveKind::kEnergy: return "energy";
    case ObjectiveKind::kCarbon: return "carbon";
    case ObjectiveKind::kTime: return "time";
    case ObjectiveKind::kWeighted: return "weighted";
  }
  return "?";
}

std::optional<ObjectiveKind> ParseObjective(std::string_view s) {
  for (ObjectiveKind k : {ObjectiveKind::kCost, ObjectiveKind::kEnergy, ObjectiveKind::kCarbon, ObjectiveKind::kTime,
                          ObjectiveKind::kWeighted}) {
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
      scan.rejections.push_back({c, std::move(e.reason)});
    }
  }
  return scan;
}

Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name, uint64_t seed) {
  if (name == "lowest-cost") return std::make_unique<LowestCost>();
  if (name == "nearest-data") return std::make_unique<NearestData>();
  if (name == "least-loaded") return std::make_unique<LeastLoaded>();
  if (name == "first-fit") return std::make_unique<FirstFit>();
  if (name == "random") return std::make_unique<Random>(seed);
  return Fail(ErrorCode::kInvalidArgument, fmt::format("policy: unknown policy '{}' (one of {})", name, kPolicyNames));
}

}  // namespace zhisuan::placement
