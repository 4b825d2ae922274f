#include "cli/index_command.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "cli/common.h"
#include "cli/table.h"
#include "index/run.h"

namespace zhisuan::cli {
namespace {

Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return Fail(ErrorCode::kIo, fmt::format("{}: cannot write", path.string()));
  return {};
}

std::string Asset(const char* env, const char* fallback) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
  return fallback;
}

}  // namespace

int RunIndexCompute(const IndexArgs& a, const std::string& data_dir) {
  const std::string spec_path = a.spec.empty() ? data_dir + "/index/caict-3.0.yaml" : a.spec;
  Result<std::string> spec_text = ReadInput(spec_path, "indicator spec");
  if (!spec_text) return Report(spec_text.error());
  Result<index::IndexSpec> spec = index::ParseSpec(spec_path, *spec_text);
  if (!spec) return Report(spec.error());
  if (!a.weights.empty()) {
    Result<std::string> w = ReadInput(a.weights, "weights");
    if (!w) return Report(w.error());
    if (Status s = index::ApplyWeights(*spec, a.weights, *w); !s) return Report(s.error());
  }
  Result<std::string> csv = ReadInput(a.data, "indicator data");
  if (!csv) return Report(csv.error());
  index::RunOptions o;
  Result<index::Impute> impute = index::ParseImpute(a.impute);
  if (!impute) return Report(impute.error());
  o.impute = *impute;
  if (a.draws < 0)
    return Report({ErrorCode::kInvalidArgument, "draws: must be >= 0 (0 skips the rank intervals)"});
  if (a.mc != "dirichlet" && a.mc != "experts") {
    return Report(
        {ErrorCode::kInvalidArgument, fmt::format("mc: '{}' is not one of: dirichlet, experts", a.mc)});
  }
  o.stability = {
      .draws = a.draws, .seed = a.seed, .concentration = a.concentration, .experts = a.mc == "experts"};
  o.typology_seed = a.seed;
  if (a.base_year != 0) o.base_year = a.base_year;
  o.lags = a.lags;
  if (!a.explain.empty()) {
    const size_t comma = a.explain.find(',');
    if (comma == std::string::npos)
      return Report({ErrorCode::kInvalidArgument, "explain: give two regions as A,B"});
    o.explain = {a.explain.substr(0, comma), a.explain.substr(comma + 1)};
  }
  Result<index::IndexRun> run = index::RunIndex(std::move(*spec), a.data, *csv, o);
  if (!run) return Report(run.error());

  if (!a.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.report_dir, ec);
    if (ec) return Report({ErrorCode::kIo, fmt::format("{}: cannot create: {}", a.report_dir, ec.message())});
    Result<std::string> echarts =
        ReadInput(Asset("ZHISUAN_ECHARTS", ZHISUAN_ECHARTS_JS), "ECharts (run scripts/setup.sh)");
    if (!echarts) return Report(echarts.error());
    Result<std::string> map =
        ReadInput(Asset("ZHISUAN_CHINA_MAP", ZHISUAN_CHINA_MAP_JSON), "the China map (run scripts/setup.sh)");
    if (!map) return Report(map.error());
    const std::filesystem::path dir(a.report_dir);
    for (const auto& [name, text] :
         {std::pair<std::string, std::string>{
              "index.json",
              index::ToJson(*run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"},
          {"index.csv", index::ToCsv(*run)},
          {"index.html", index::ToHtml(*run, *echarts, *map)}}) {
      if (Status s = WriteText(dir / name, text); !s) return Report(s.error());
    }
  }
  if (a.json) {
    fmt::print("{}\n", index::ToJson(*run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  const index::YearResult& y = run->latest();
  fmt::print("{} ({}), {}: {} regions\n", run->spec.name_zh, run->spec.id, y.year, y.regions.size());
  for (const std::string& note : run->data.imputed) fmt::print("  {}\n", note);
  std::vector<std::string> headers = {"#", "REGION", "INDEX", "TIER"};
  std::vector<Table::Align> align = {Table::Align::kRight, Table::Align::kLeft, Table::Align::kRight,
                                     Table::Align::kLeft};
  for (int c : run->spec.root().children) {
    headers.push_back(run->spec.nodes[static_cast<size_t>(c)].name_zh);
    align.push_back(Table::Align::kRight);
  }
  for (const char* h : {"RANK p5-p95", "TYPE"}) {
    headers.push_back(h);
    align.push_back(Table::Align::kLeft);
  }
  Table t(headers, align);
  std::vector<size_t> order(y.regions.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t p, size_t q) { return y.rank[p] < y.rank[q]; });
  for (size_t r : order) {
    std::vector<std::string> row = {
        std::to_string(y.rank[r]), y.regions[r], fmt::format("{:.2f}", y.Composite(r)),
        y.tier[r] >= 0 ? run->spec.tiers[static_cast<size_t>(y.tier[r])].name : ""};
    for (int c : run->spec.root().children)
      row.push_back(fmt::format("{:.1f}", y.Score(r, static_cast<size_t>(c))));
    row.push_back(run->stability.empty() ? ""
                                         : fmt::format("{}-{}", run->stability[r].p5, run->stability[r].p95));
    row.push_back(run->types ? run->types->cluster_type[static_cast<size_t>(run->types->cluster[r])].zh : "");
    t.AddRow(std::move(row));
  }
  fmt::print("{}", t.Render());
  if (y.base_year != 0)
    fmt::print("comparable across years: every year on {}'s references and weights\n", y.base_year);
  auto published = [&](const std::string& id) -> std::string {
    for (const index::Covariate& c : run->spec.covariates) {
      if (c.id == id && c.published_slope)
        return fmt::format(" [published: {:.0f} {}, {}]", *c.published_slope, c.unit, c.published_source);
    }
    return "";
  };
  for (const index::Regression& r : run->regressions) {
    fmt::print("{}: each index point is worth {:.0f} {} (R^2 {:.2f}, n {}){}\n", r.name_en, r.ols.slope,
               r.unit, r.ols.r2, r.ols.n, published(r.covariate));
  }
  for (const index::LaggedRegression& g : run->lagged) {
    std::string parts;
    for (size_t l = 0; l < g.fit.coef.size(); ++l) parts += fmt::format(" t-{}: {:.0f}", l, g.fit.coef[l]);
    fmt::print("{} over {}-{} with {} lag{}: {:.0f} {} per index point in all ({}; R^2 {:.2f}, n {}){}\n",
               g.name_en, g.first_year, g.last_year, g.lags, g.lags > 1 ? "s" : "", g.long_run, g.unit,
               parts.substr(1), g.fit.r2, g.fit.n, published(g.covariate));
  }
  if (!run->lagged_note.empty()) fmt::print("lagged regression: {}\n", run->lagged_note);
  if (run->explain_a >= 0) {
    const size_t pa = static_cast<size_t>(run->explain_a), pb = static_cast<size_t>(run->explain_b);
    const std::vector<index::Contribution> parts = index::Explain(run->spec, y, pa, pb);
    fmt::print("{} - {} = {:.2f} points; the largest contributions:\n", y.regions[pa], y.regions[pb],
               y.Composite(pa) - y.Composite(pb));
    for (size_t k = 0; k < parts.size() && k < 5; ++k) {
      const index::Node& n = run->spec.nodes[static_cast<size_t>(parts[k].node)];
      fmt::print("  {:+7.2f}  {} {} (weight {:.3f}: {:.1f} vs {:.1f})\n", parts[k].contribution, n.name_zh,
                 n.id, parts[k].weight, parts[k].score_a, parts[k].score_b);
    }
  }
  if (!a.report_dir.empty()) fmt::print("report written to {}/index.html\n", a.report_dir);
  return 0;
}

}  // namespace zhisuan::cli
