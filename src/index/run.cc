#include "index/run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace zhisuan::index {

Result<IndexRun> RunIndex(IndexSpec spec, const std::string& data_file, const std::string& csv,
                          const RunOptions& options) {
  IndexRun run;
  run.options = options;
  Result<Dataset> data = ParseDataset(spec, data_file, csv, options.impute);
  if (!data) return std::unexpected(data.error());
  Result<std::vector<YearResult>> years = Compute(spec, *data);
  if (!years) return std::unexpected(years.error());
  run.spec = std::move(spec);
  run.data = std::move(*data);
  run.years = std::move(*years);
  const YearResult& y = run.latest();
  const size_t n = y.regions.size();
  if (!options.explain.empty()) {
    if (options.explain.size() != 2)
      return Fail(ErrorCode::kInvalidArgument, "explain: name exactly two regions (A,B)");
    run.explain_a = y.Find(options.explain[0]);
    run.explain_b = y.Find(options.explain[1]);
    for (int k = 0; k < 2; ++k) {
      if ((k == 0 ? run.explain_a : run.explain_b) < 0) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("explain: region '{}' has no data in {}",
                                options.explain[static_cast<size_t>(k)], y.year));
      }
    }
  } else if (n >= 2) {
    for (size_t r = 0; r < n; ++r) {
      if (y.rank[r] == 1 && run.explain_a < 0) run.explain_a = static_cast<int>(r);
    }
    for (size_t r = 0; r < n; ++r) {
      if (static_cast<int>(r) != run.explain_a &&
          (run.explain_b < 0 || y.rank[r] < y.rank[static_cast<size_t>(run.explain_b)])) {
        run.explain_b = static_cast<int>(r);
      }
    }
  }
  run.types = Classify(run.spec, y, options.typology_seed);
  if (options.stability.draws > 0) {
    Result<std::vector<RankInterval>> s = RankStability(run.spec, y, options.stability);
    if (!s) return std::unexpected(s.error());
    run.stability = std::move(*s);
  }
  const YearData& d = run.data.years.back();
  std::vector<double> index(n);
  for (size_t r = 0; r < n; ++r) index[r] = y.Composite(r);
  for (size_t c = 0; c < run.spec.covariates.size(); ++c) {
    std::vector<double> cov(n);
    for (size_t r = 0; r < n; ++r) cov[r] = d.covariates[r * run.spec.covariates.size() + c];
    if (std::optional<Ols> ols = FitOls(index, cov)) {
      const Covariate& v = run.spec.covariates[c];
      run.regressions.push_back({v.id, v.name_zh, v.name_en, v.unit, *ols});
    }
  }
  return run;
}

namespace {

using Json = nlohmann::ordered_json;

double Round(double x, int digits = 4) {
  const double f = std::pow(10.0, digits);
  return std::round(x * f) / f;
}

Json NodeJson(const IndexRun& run, size_t k) {
  const Node& n = run.spec.nodes[k];
  const YearResult& y = run.latest();
  Json j = {{"id", n.id},
            {"name_zh", n.name_zh},
            {"name_en", n.name_en},
            {"depth", n.depth},
            {"parent", n.parent >= 0 ? Json(run.spec.nodes[static_cast<size_t>(n.parent)].id) : Json()},
            {"local_weight", Round(y.local[k], 6)},
            {"global_weight", Round(y.global[k], 6)}};
  if (n.leaf()) {
    j["unit"] = n.unit;
    j["direction"] = DirectionName(n.direction);
    j["standardise"] = StandardisationName(n.standardisation);
  } else {
    j["weighting"] = WeightMethodName(n.weighting.method);
    if (const auto& a = y.ahp[k]) {
      const Ahp& spec =
          n.weighting.method == WeightMethod::kCombined ? n.weighting.subjective->ahp : n.weighting.ahp;
      j["ahp"] = {{"priority", PriorityName(spec.priority)},
                  {"random_index_table", RandomIndexName(spec.random_index)},
                  {"experts", spec.matrices.size()},
                  {"lambda_max", Round(a->lambda_max, 6)},
                  {"ci", Round(a->ci, 6)},
                  {"ri", a->ri},
                  {"cr", Round(a->cr, 6)}};
    }
  }
  return j;
}

std::string Sentence(const Regression& r) {
  return fmt::format("each index point is worth {:.0f} {} of {} ({}; R^2 = {:.2f}, n = {})", r.ols.slope,
                     r.unit, r.name_en, r.name_zh, r.ols.r2, r.ols.n);
}

}  // namespace

Json ToJson(const IndexRun& run) {
  const YearResult& y = run.latest();
  const size_t n = y.regions.size();
  Json out;
  out["spec"] = {{"id", run.spec.id},
                 {"name_zh", run.spec.name_zh},
                 {"name_en", run.spec.name_en},
                 {"source", run.spec.source}};
  out["year"] = y.year;
  Json years = Json::array();
  for (const YearResult& yr : run.years) years.push_back(yr.year);
  out["years"] = years;
  out["imputed"] = run.data.imputed;
  Json nodes = Json::array();
  for (size_t k = 0; k < run.spec.nodes.size(); ++k) nodes.push_back(NodeJson(run, k));
  out["indicators"] = nodes;

  const YearResult* prev = run.years.size() > 1 ? &run.years[run.years.size() - 2] : nullptr;
  const std::vector<int> topsis_rank = RankDescending(y.topsis), grey_rank = RankDescending(y.grey);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y.rank[a] < y.rank[b]; });
  Json regions = Json::array();
  for (size_t r : order) {
    Json sub = Json::object();
    for (int c : run.spec.root().children)
      sub[run.spec.nodes[static_cast<size_t>(c)].id] = Round(y.Score(r, static_cast<size_t>(c)));
    Json scores = Json::object();
    for (size_t k = 1; k < run.spec.nodes.size(); ++k) scores[run.spec.nodes[k].id] = Round(y.Score(r, k));
    Json j = {{"region", y.regions[r]},
              {"rank", y.rank[r]},
              {"index", Round(y.Composite(r))},
              {"tier", y.tier[r] >= 0 ? Json(run.spec.tiers[static_cast<size_t>(y.tier[r])].name) : Json()},
              {"sub_indices", sub},
              {"scores", scores},
              {"topsis", Round(y.topsis[r], 6)},
              {"topsis_rank", topsis_rank[r]},
              {"grey", Round(y.grey[r], 6)},
              {"grey_rank", grey_rank[r]}};
    j["change"] = nullptr;
    if (prev != nullptr) {
      if (const int p = prev->Find(y.regions[r]); p >= 0) {
        j["change"] = {{"from_year", prev->year},
                       {"index", Round(y.Composite(r) - prev->Composite(static_cast<size_t>(p)))},
                       {"rank", prev->rank[static_cast<size_t>(p)] - y.rank[r]}};
      }
    }
    if (!run.spec.covariates.empty()) {  // what the regressions below are fitted on, per region
      const YearData& d = run.data.years.back();
      Json covariates = Json::object();
      for (size_t c = 0; c < run.spec.covariates.size(); ++c) {
        const double v = d.covariates[r * run.spec.covariates.size() + c];
        covariates[run.spec.covariates[c].id] = std::isfinite(v) ? Json(v) : Json();
      }
      j["covariates"] = covariates;
    }
    if (!run.stability.empty()) {
      const RankInterval& s = run.stability[r];
      j["rank_interval"] = {{"p5", s.p5}, {"p50", s.p50}, {"p95", s.p95}, {"mean", Round(s.mean, 3)}};
    }
    if (run.types) {
      const int c = run.types->cluster[r];
      j["type"] = {{"cluster", c},
                   {"id", run.types->cluster_type[static_cast<size_t>(c)].id},
                   {"zh", run.types->cluster_type[static_cast<size_t>(c)].zh},
                   {"supply", Round(run.types->supply[r])},
                   {"demand", Round(run.types->demand[r])}};
    }
    regions.push_back(j);
  }
  out["regions"] = regions;

  if (run.explain_a >= 0 && run.explain_b >= 0) {
    const size_t a = static_cast<size_t>(run.explain_a), b = static_cast<size_t>(run.explain_b);
    const std::vector<Contribution> parts = Explain(run.spec, y, a, b);
    Json by_first = Json::object();
    for (int c : run.spec.root().children) by_first[run.spec.nodes[static_cast<size_t>(c)].id] = 0.0;
    Json indicators = Json::array();
    for (const Contribution& c : parts) {
      const std::string& first = run.spec.nodes[static_cast<size_t>(c.first_level)].id;
      by_first[first] = Round(by_first[first].get<double>() + c.contribution);
      indicators.push_back({{"indicator", run.spec.nodes[static_cast<size_t>(c.node)].id},
                            {"name_zh", run.spec.nodes[static_cast<size_t>(c.node)].name_zh},
                            {"weight", Round(c.weight, 6)},
                            {"score_a", Round(c.score_a)},
                            {"score_b", Round(c.score_b)},
                            {"contribution", Round(c.contribution)}});
    }
    out["explanation"] = {
        {"a", y.regions[a]},
        {"b", y.regions[b]},
        {"difference", Round(y.Composite(a) - y.Composite(b))},
        {"rule", "contribution = global weight x (score of a - score of b); they sum to the difference"},
        {"by_first_level", by_first},
        {"indicators", indicators}};
  }
  Json regressions = Json::array();
  for (const Regression& r : run.regressions) {
    regressions.push_back({{"covariate", r.covariate},
                           {"name_zh", r.name_zh},
                           {"name_en", r.name_en},
                           {"unit", r.unit},
                           {"slope", Round(r.ols.slope, 3)},
                           {"intercept", Round(r.ols.intercept, 3)},
                           {"r2", Round(r.ols.r2, 4)},
                           {"n", r.ols.n},
                           {"sentence", Sentence(r)}});
  }
  out["regressions"] = regressions;
  if (run.types) {
    Json clusters = Json::array();
    const size_t dims = run.types->first_level.size();
    for (size_t c = 0; c < run.types->cluster_type.size(); ++c) {
      Json centroid = Json::object(), members = Json::array();
      for (size_t d = 0; d < dims; ++d) {
        centroid[run.spec.nodes[static_cast<size_t>(run.types->first_level[d])].id] =
            Round(run.types->centroids[c * dims + d]);
      }
      for (size_t r : order) {
        if (run.types->cluster[r] == static_cast<int>(c)) members.push_back(y.regions[r]);
      }
      clusters.push_back({{"cluster", c},
                          {"id", run.types->cluster_type[c].id},
                          {"zh", run.types->cluster_type[c].zh},
                          {"centroid", centroid},
                          {"regions", members}});
    }
    out["typology"] = {
        {"rule",
         fmt::format(
             "k-means (k = {}, seed {}) on first-level sub-indices; a cluster with g = (S - D) / ((S + D) "
             "/ 2) > {} is supply-driven, < -{} demand-pulled, otherwise coordinated (S: mean of {}; D: "
             "mean of {})",
             run.spec.typology.clusters, run.options.typology_seed, run.spec.typology.band,
             run.spec.typology.band, fmt::join(run.spec.typology.supply, ", "),
             fmt::join(run.spec.typology.demand, ", "))},
        {"clusters", clusters}};
  }
  if (!run.stability.empty()) {
    const StabilityOptions& s = run.options.stability;
    out["stability"] = {{"draws", s.draws},
                        {"seed", s.seed},
                        {"mode", s.experts ? "experts" : "dirichlet"},
                        {"concentration", s.concentration}};
  }
  Json history = Json::array();
  for (const YearResult& yr : run.years) {
    Json rows = Json::array();
    for (size_t r = 0; r < yr.regions.size(); ++r) {
      rows.push_back({{"region", yr.regions[r]}, {"index", Round(yr.Composite(r))}, {"rank", yr.rank[r]}});
    }
    history.push_back({{"year", yr.year}, {"regions", rows}});
  }
  out["history"] = history;
  return out;
}

std::string ToCsv(const IndexRun& run) {
  const YearResult& y = run.latest();
  std::string out = "year,region,rank,index,tier";
  for (int c : run.spec.root().children) out += "," + run.spec.nodes[static_cast<size_t>(c)].id;
  out += ",topsis,grey,rank_p5,rank_p95,type\n";
  std::vector<size_t> order(y.regions.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y.rank[a] < y.rank[b]; });
  for (size_t r : order) {
    out += fmt::format("{},{},{},{:.4f},{}", y.year, y.regions[r], y.rank[r], y.Composite(r),
                       y.tier[r] >= 0 ? run.spec.tiers[static_cast<size_t>(y.tier[r])].name : "");
    for (int c : run.spec.root().children) out += fmt::format(",{:.4f}", y.Score(r, static_cast<size_t>(c)));
    out += fmt::format(",{:.6f},{:.6f}", y.topsis[r], y.grey[r]);
    if (run.stability.empty())
      out += ",,";
    else
      out += fmt::format(",{},{}", run.stability[r].p5, run.stability[r].p95);
    out += fmt::format(
        ",{}\n", run.types ? run.types->cluster_type[static_cast<size_t>(run.types->cluster[r])].id : "");
  }
  return out;
}

}  // namespace zhisuan::index
