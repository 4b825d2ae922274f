#include "placement/batch.h"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "placement/evaluate.h"

namespace zhisuan::placement {
namespace {

// Every feasible (job, pool) placement that can start now, grouped by job.
std::vector<std::vector<Candidate>> FeasibleNow(const Snapshot& s, const std::vector<PreparedJob>& jobs,
                                                const PlaceOptions& o) {
  std::vector<std::vector<Candidate>> out(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Evaluator ev(s, jobs[j], o.objective, o.now_s, false);
    for (uint32_t c = 0; c < s.centers().size(); ++c) {
      if (ev.CheckCenter(c, nullptr) != Reject::kOk) continue;
      const CenterInfo& center = s.centers()[c];
      for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
        if (s.pools()[p].free_devices < jobs[j].devices) continue;
        const Evaluation e = ev.EvaluatePool(p);
        if (e.reject == Reject::kOk && e.candidate.start_h == 0) out[j].push_back(e.candidate);
      }
    }
    std::ranges::sort(out[j], {}, &Candidate::score);
  }
  return out;
}

double Penalty(const std::vector<std::vector<Candidate>>& feasible) {
  double worst = 0;
  for (const auto& list : feasible) {
    for (const Candidate& c : list) worst = std::max(worst, c.score);
  }
  return 10.0 * worst + 1.0;
}

std::vector<size_t> GreedyOrder(const std::vector<PreparedJob>& jobs) {
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::stable_sort(order, [&](size_t a, size_t b) { return jobs[a].priority > jobs[b].priority; });
  return order;
}

// Places jobs in `order`, each on its cheapest pool with enough devices left in `left`.
void FillGreedy(const std::vector<std::vector<Candidate>>& feasible, const std::vector<size_t>& order,
                std::vector<int64_t>& left, BatchResult& r) {
  for (size_t j : order) {
    if (r.assignment[j]) continue;
    for (const Candidate& c : feasible[j]) {
      if (left[c.pool] >= c.devices) {
        left[c.pool] -= c.devices;
        r.assignment[j] = c;
        break;
      }
    }
  }
}

void Total(BatchResult& r) {
  r.placed = 0;
  r.total_score = 0;
  for (const auto& a : r.assignment) {
    if (!a) continue;
    ++r.placed;
    r.total_score += a->score;
  }
  r.penalized_score =
      r.total_score +
      r.penalty_per_job * static_cast<double>(static_cast<int64_t>(r.assignment.size()) - r.placed);
}

std::vector<int64_t> FreeDevices(const Snapshot& s) {
  std::vector<int64_t> left(s.pools().size());
  for (size_t p = 0; p < left.size(); ++p) left[p] = s.pools()[p].free_devices;
  return left;
}

BatchResult Greedy(const Snapshot& s, const std::vector<PreparedJob>& jobs,
                   const std::vector<std::vector<Candidate>>& feasible, double penalty) {
  BatchResult r;
  r.method = "greedy";
  r.penalty_per_job = penalty;
  r.assignment.resize(jobs.size());
  std::vector<int64_t> left = FreeDevices(s);
  FillGreedy(feasible, GreedyOrder(jobs), left, r);
  Total(r);
  return r;
}

}  // namespace

BatchResult PlaceGreedy(const Snapshot& s, const std::vector<PreparedJob>& jobs, const PlaceOptions& o) {
  const auto feasible = FeasibleNow(s, jobs, o);
  return Greedy(s, jobs, feasible, Penalty(feasible));
}

BatchResult PlaceBatchOptimal(const Snapshot& s, const std::vector<PreparedJob>& jobs,
                              const PlaceOptions& o) {
  const auto feasible = FeasibleNow(s, jobs, o);
  const double penalty = Penalty(feasible);
  BatchResult greedy = Greedy(s, jobs, feasible, penalty);

  // Scores in milli-units, per device, so the network simplex works in exact integers.
  constexpr double kScale = 1000.0;
  using Graph = lemon::SmartDigraph;
  Graph g;
  const Graph::Node sink = g.addNode();
  const Graph::Node unassigned = g.addNode();
  std::vector<Graph::Node> job_node(jobs.size());
  std::vector<int> pool_node(s.pools().size(), -1);
  Graph::ArcMap<int64_t> cap(g), cost(g);
  Graph::NodeMap<int64_t> supply(g, 0);
  struct PairArc {
    Graph::Arc arc;
    size_t job;
    const Candidate* candidate;
  };
  std::vector<PairArc> pair_arcs;
  int64_t total_units = 0;
  // Nodes and arcs are added before the maps grow; SmartDigraph maps follow the graph as it grows.
  for (size_t j = 0; j < jobs.size(); ++j) {
    const int64_t d = jobs[j].devices;
    job_node[j] = g.addNode();
    supply[job_node[j]] = d;
    total_units += d;
    const Graph::Arc a = g.addArc(job_node[j], unassigned);
    cap[a] = d;
    cost[a] = static_cast<int64_t>(std::llround(penalty * kScale / static_cast<double>(d)));
    for (const Candidate& c : feasible[j]) {
      if (pool_node[c.pool] < 0) {
        const Graph::Node pn = g.addNode();
        pool_node[c.pool] = Graph::id(pn);
        const Graph::Arc out = g.addArc(pn, sink);
        cap[out] = s.pools()[c.pool].free_devices;
        cost[out] = 0;
      }
      const Graph::Arc arc = g.addArc(job_node[j], Graph::nodeFromId(pool_node[c.pool]));
      cap[arc] = d;
      cost[arc] = static_cast<int64_t>(std::llround(c.score * kScale / static_cast<double>(d)));
      pair_arcs.push_back({arc, j, &c});
    }
  }
  const Graph::Arc spill = g.addArc(unassigned, sink);
  cap[spill] = total_units;
  cost[spill] = 0;
  supply[sink] = -total_units;

  lemon::NetworkSimplex<Graph, int64_t, int64_t> simplex(g);
  simplex.upperMap(cap).costMap(cost).supplyMap(supply);
  if (simplex.run() != lemon::NetworkSimplex<Graph, int64_t, int64_t>::OPTIMAL) {
    greedy.lp_bound = 0;  // cannot happen: the spill arc makes every batch feasible
    return greedy;
  }
  const double lp_bound = static_cast<double>(simplex.totalCost()) / kScale;

  BatchResult r;
  r.method = "lp-rounding";
  r.penalty_per_job = penalty;
  r.assignment.resize(jobs.size());
  std::vector<int64_t> left = FreeDevices(s);
  // Keep the jobs the relaxation placed whole; the rest go cheapest-first into what is left.
  for (const auto& [arc, j, candidate] : pair_arcs) {
    const int64_t f = simplex.flow(arc);
    if (f == candidate->devices && !r.assignment[j] && left[candidate->pool] >= f) {
      r.assignment[j] = *candidate;
      left[candidate->pool] -= f;
    }
  }
  FillGreedy(feasible, GreedyOrder(jobs), left, r);
  Total(r);
  BatchResult& best = r.penalized_score <= greedy.penalized_score ? r : greedy;
  best.lp_bound = lp_bound;
  return std::move(best);
}

}  // namespace zhisuan::placement
