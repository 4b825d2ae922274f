// Compute development index: the shipped CAICT 3.0 spec on the 31-province sample (target well under 10 ms),
// and 10,000 regions x 200 indicators with 10,000 Monte Carlo weight draws (target under 10 s on one core).
// Baselines measured in the same run: reading the files alone (small case), and re-running the whole
// computation with each draw's weights fixed (large case; timed on a few draws and scaled), which is what the
// tools analysts use today amount to.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "index/run.h"
#include "timing.h"

namespace zhisuan::bench {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Small() {
  const std::string spec_path = std::string(ZHISUAN_SOURCE_DIR) + "/data/index/caict-3.0.yaml";
  const std::string data_path = std::string(ZHISUAN_SOURCE_DIR) + "/data/index/sample-2023.csv";
  const int reps = 200;
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    const std::string spec = Read(spec_path), csv = Read(data_path);
    if (spec.empty() || csv.empty()) std::abort();
  }
  const double read_ms = Seconds(t0) * 1000 / reps;
  for (int draws : {0, 1000}) {
    t0 = Clock::now();
    double checksum = 0;
    for (int i = 0; i < reps; ++i) {
      Result<index::IndexSpec> spec = index::ParseSpec(spec_path, Read(spec_path));
      index::RunOptions o;
      o.stability.draws = draws;
      Result<index::IndexRun> run = index::RunIndex(std::move(*spec), data_path, Read(data_path), o);
      if (!run) std::abort();
      checksum += run->latest().Composite(0);
    }
    const double ms = Seconds(t0) * 1000 / reps;
    fmt::print(
        "31 regions x 14 indicators, {:>4} draws: {:7.3f} ms per computation (read-only baseline {:.3f} ms, "
        "{:.1f}x it){}\n",
        draws, ms, read_ms, ms / read_ms, checksum > 0 ? "" : " !");
  }
}

// 10 first-level nodes (a consistent AHP) x 20 leaves weighted by entropy.
index::IndexSpec LargeSpec() {
  std::string yaml =
      "id: large\nname: {zh: 大, en: Large}\nroot:\n  id: root\n  name: {zh: 根, en: Root}\n"
      "  weighting: {method: ahp, matrix: [";
  for (int i = 0; i < 10; ++i) {
    yaml += i ? ", [" : "[";
    for (int j = 0; j < 10; ++j) yaml += fmt::format("{}{}/{}", j ? ", " : "", 10 - i, 10 - j);
    yaml += "]";
  }
  yaml += "]}\n  children:\n";
  for (int g = 0; g < 10; ++g) {
    yaml += fmt::format(
        "    - id: g{}\n      name: {{zh: 组, en: Group}}\n      weighting: {{method: entropy}}\n"
        "      children:\n",
        g);
    for (int l = 0; l < 20; ++l) {
      yaml += fmt::format(
          "        - {{id: i{}-{}, name: {{zh: 指标, en: Indicator}}, unit: 个, direction: {}}}\n", g, l,
          l % 7 == 3 ? "cost" : "benefit");
    }
  }
  Result<index::IndexSpec> spec = index::ParseSpec("large.yaml", yaml);
  if (!spec) {
    fmt::print(stderr, "{}\n", spec.error().message);
    std::abort();
  }
  return *spec;
}

std::string LargeCsv(const index::IndexSpec& spec, int regions) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> value(2.0, 1.0);
  std::string csv = "region,year";
  for (int leaf : spec.leaves) csv += "," + spec.nodes[static_cast<size_t>(leaf)].id;
  csv += "\n";
  for (int r = 0; r < regions; ++r) {
    csv += fmt::format("r{},2023", r);
    for (size_t l = 0; l < spec.leaves.size(); ++l) csv += fmt::format(",{:.4f}", value(rng));
    csv += "\n";
  }
  return csv;
}

void Large() {
  const index::IndexSpec spec = LargeSpec();
  const int regions = 10000, draws = 10000;
  const std::string csv = LargeCsv(spec, regions);
  auto t0 = Clock::now();
  Result<index::Dataset> data = index::ParseDataset(spec, "large.csv", csv, index::Impute::kError);
  const double parse_s = Seconds(t0);
  t0 = Clock::now();
  Result<std::vector<index::YearResult>> years = index::Compute(spec, *data);
  const double compute_s = Seconds(t0);
  if (!years) std::abort();
  t0 = Clock::now();
  Result<std::vector<index::RankInterval>> intervals = index::RankStability(
      spec, years->back(), {.draws = draws, .seed = 1, .concentration = 200, .experts = false});
  const double mc_s = Seconds(t0);
  if (!intervals) std::abort();

  // Baseline: each draw re-runs Compute with the draw's weights fixed at every node.
  const int baseline_draws = 20;
  std::mt19937_64 rng(1);
  t0 = Clock::now();
  for (int d = 0; d < baseline_draws; ++d) {
    index::IndexSpec fixed = spec;
    for (index::Node& n : fixed.nodes) {
      if (n.leaf()) continue;
      std::vector<double> w;
      double sum = 0;
      for (int c : n.children) {
        w.push_back(
            std::gamma_distribution<double>(200 * years->back().local[static_cast<size_t>(c)], 1.0)(rng));
        sum += w.back();
      }
      for (double& x : w) x /= sum;
      n.weighting.method = index::WeightMethod::kFixed;
      n.weighting.fixed = w;
    }
    if (!index::Compute(fixed, *data)) std::abort();
  }
  const double baseline_s = Seconds(t0) / baseline_draws * draws;
  int widest = 0;
  for (const index::RankInterval& r : *intervals) widest = std::max(widest, r.p95 - r.p5);
  fmt::print("10,000 regions x 200 indicators: parse {:.2f} s, compute {:.3f} s\n", parse_s, compute_s);
  fmt::print(
      "  {} Monte Carlo draws: {:.2f} s (target < 10 s); re-computing per draw (baseline, {} draws timed): "
      "{:.0f} s, {:.0f}x slower; widest p5-p95 rank interval {} ranks\n",
      draws, mc_s, baseline_draws, baseline_s, baseline_s / mc_s, widest);
  fmt::print("  peak memory {:.0f} MB\n", PeakRssMb());
}

}  // namespace
}  // namespace zhisuan::bench

int main() {
  zhisuan::bench::Small();
  zhisuan::bench::Large();
  return 0;
}
