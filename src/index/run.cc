#include "index/run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace zhisuan::index {

namespace {

// The pooled distributed-lag model of each covariate: rows are (region, year t) with the covariate of t and
// the index of t, t-1, ..., t-L all present; years are matched by value, so a gap in the data drops the rows
// that would straddle it.
void FitLagged(IndexRun& run) {
  const int years = static_cast<int>(run.years.size());
  const int lags = run.options.lags >= 0 ? run.options.lags : std::min(3, years - 1);
  if (run.spec.covariates.empty()) return;
  if (years < 2 || lags < 1) {
    run.lagged_note = fmt::format(
        "the lagged regression needs at least two years of data and one lag (the data has {} year{})", years,
        years == 1 ? "" : "s");
    return;
  }
  auto year_at = [&](int year) -> const YearResult* {
    for (const YearResult& y : run.years) {
      if (y.year == year) return &y;
    }
    return nullptr;
  };
  const size_t k = static_cast<size_t>(lags) + 1, nc = run.spec.covariates.size();
  std::vector<std::string> missing;
  for (size_t c = 0; c < nc; ++c) {
    std::vector<double> x, y;
    int first = 0, last = 0;
    for (size_t t = 0; t < run.years.size(); ++t) {
      const YearResult& now = run.years[t];
      const YearData& d = run.data.years[t];
      for (size_t r = 0; r < now.regions.size(); ++r) {
        const double v = d.covariates[r * nc + c];
        if (!std::isfinite(v)) continue;
        std::vector<double> row;
        for (int l = 0; l <= lags; ++l) {
          const YearResult* then = year_at(now.year - l);
          const int p = then != nullptr ? then->Find(now.regions[r]) : -1;
          if (p < 0) break;
          row.push_back(then->Composite(static_cast<size_t>(p)));
        }
        if (row.size() != k) continue;
        x.insert(x.end(), row.begin(), row.end());
        y.push_back(v);
        first = first == 0 ? now.year : std::min(first, now.year);
        last = std::max(last, now.year);
      }
    }
    const Covariate& v = run.spec.covariates[c];
    std::optional<MultiOls> fit = FitMultiOls(x, y.size(), k, y);
    if (!fit) {
      missing.push_back(fmt::format("{} ({} rows for {} coefficients)", v.id, y.size(), k + 1));
      continue;
    }
    LaggedRegression g{v.id, v.name_zh, v.name_en, v.unit, lags, first, last, *fit, 0};
    for (double b : fit->coef) g.long_run += b;
    run.lagged.push_back(std::move(g));
  }
  if (!missing.empty()) {
    run.lagged_note = fmt::format("not enough rows or collinear lags for: {}", fmt::join(missing, "; "));
  } else if (run.years.front().base_year == 0) {
    run.lagged_note =
        "each year is standardised on its own data, so index levels of different years are not on one "
        "scale; give base_year for a lag model that means something";
  }
}

}  // namespace

Result<IndexRun> RunIndex(IndexSpec spec, const std::string& data_file, const std::string& csv,
                          const RunOptions& options) {
  IndexRun run;
  run.options = options;
  Result<Dataset> data = ParseDataset(spec, data_file, csv, options.impute);
  if (!data) return std::unexpected(data.error());
  if (options.lags < -1 || options.lags > 5)
    return Fail(ErrorCode::kInvalidArgument, "lags: must be between 0 and 5 (or absent: up to 3)");
  Result<std::vector<YearResult>> years = Compute(spec, *data, options.base_year);
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
  FitLagged(run);
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

const Covariate* FindCovariate(const IndexSpec& spec, const std::string& id) {
  for (const Covariate& c : spec.covariates) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string LaggedSentence(const LaggedRegression& g) {
  std::string parts;
  for (size_t l = 0; l < g.fit.coef.size(); ++l) {
    parts += fmt::format(
        "{}{:.0f} {}", l == 0 ? "" : ", ", g.fit.coef[l],
        l == 0 ? std::string("in the same year") : fmt::format("after {} year{}", l, l > 1 ? "s" : ""));
  }
  return fmt::format("one index point goes with {:.0f} {} of {} over {} years ({}; R^2 = {:.2f}, n = {})",
                     g.long_run, g.unit, g.name_en, g.lags + 1, parts, g.fit.r2, g.fit.n);
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
  out["comparable"] =
      y.base_year != 0
          ? Json{{"base_year", y.base_year},
                 {"rule",
                  fmt::format("every year standardised on {}'s references (each indicator's min, max, mean, "
                              "sd and norm) and weighted with {}'s weights; fixed thresholds stay fixed",
                              y.base_year, y.base_year)}}
          : Json();
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
    if (const Covariate* v = FindCovariate(run.spec, r.covariate); v != nullptr && v->published_slope) {
      regressions.back()["published"] = {{"slope", *v->published_slope}, {"source", v->published_source}};
    }
  }
  out["regressions"] = regressions;
  Json lagged = Json::array();
  for (const LaggedRegression& g : run.lagged) {
    Json coefficients = Json::array();
    for (size_t l = 0; l < g.fit.coef.size(); ++l)
      coefficients.push_back({{"lag", l}, {"slope", Round(g.fit.coef[l], 3)}});
    lagged.push_back({{"covariate", g.covariate},
                      {"name_zh", g.name_zh},
                      {"name_en", g.name_en},
                      {"unit", g.unit},
                      {"lags", g.lags},
                      {"years", {g.first_year, g.last_year}},
                      {"coefficients", coefficients},
                      {"long_run", Round(g.long_run, 3)},
                      {"intercept", Round(g.fit.intercept, 3)},
                      {"r2", Round(g.fit.r2, 4)},
                      {"n", g.fit.n},
                      {"sentence", LaggedSentence(g)}});
    if (const Covariate* v = FindCovariate(run.spec, g.covariate); v != nullptr && v->published_slope) {
      lagged.back()["published"] = {{"slope", *v->published_slope}, {"source", v->published_source}};
    }
  }
  out["lagged_regressions"] = {
      {"model", "covariate(t) = a + sum over l = 0..L of b_l index(t - l), pooled over regions and years"},
      {"fits", lagged},
      {"note", run.lagged_note.empty() ? Json() : Json(run.lagged_note)}};
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
