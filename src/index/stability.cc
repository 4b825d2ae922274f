// Monte Carlo rank stability (declared in analysis.h). One draw perturbs the weights and ranks every region;
// with 10,000 regions x 200 indicators x 10,000 draws the work is a 10,000 x 200 x 10,000 product plus 10,000
// sorts, so draws are done in blocks: composites by a cache-tiled kernel, ranks by a stable radix sort, and
// each block's ranks transposed into a region-major table for the percentiles.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "index/analysis.h"

namespace zhisuan::index {
namespace {

constexpr size_t kBlock = 16;  // draws per block
constexpr size_t kTile = 512;  // regions per tile: a tile of every leaf row stays in L2

std::vector<double> Dirichlet(std::span<const double> mean, double concentration, std::mt19937_64& rng) {
  std::vector<double> g(mean.size());
  double sum = 0;
  for (size_t i = 0; i < mean.size(); ++i) {
    const double alpha = std::max(1e-6, concentration * mean[i]);
    g[i] = std::gamma_distribution<double>(alpha, 1.0)(rng);
    sum += g[i];
  }
  for (double& x : g) x = sum > 0 ? x / sum : 1.0 / static_cast<double>(g.size());
  return g;
}

// comp[b][r] = sum_l w[b][l] * st[l][r] for `block` draws. Each element's sum runs over l in order, so the
// vector clones give bit-identical results (no contraction into FMA: ISO C++ mode).
__attribute__((target_clones("avx2", "default"))) void Composites(const double* st, size_t nl, size_t n,
                                                                  const double* w, size_t block,
                                                                  double* comp) {
  for (size_t t0 = 0; t0 < n; t0 += kTile) {
    const size_t t1 = std::min(n, t0 + kTile);
    for (size_t b = 0; b < block; ++b) std::fill(comp + b * n + t0, comp + b * n + t1, 0.0);
    for (size_t l = 0; l < nl; ++l) {
      const double* row = st + l * n;
      for (size_t b = 0; b < block; ++b) {
        const double wl = w[b * nl + l];
        double* out = comp + b * n;
        for (size_t r = t0; r < t1; ++r) out[r] += wl * row[r];
      }
    }
  }
}

// Ranks (1 = largest composite; equal composites in region order) by a stable LSD radix sort on the doubles'
// bits.
class Ranker {
 public:
  explicit Ranker(size_t n) : keys_(n), keys2_(n), idx_(n), idx2_(n) {}

  void Rank(const double* composite, uint16_t* rank_out) {
    const size_t n = keys_.size();
    if (n < 256) {  // the radix passes' 2048-bucket histograms cost more than a comparison sort here
      for (size_t r = 0; r < n; ++r) idx_[r] = static_cast<uint32_t>(r);
      std::stable_sort(idx_.begin(), idx_.end(),
                       [&](uint32_t a, uint32_t b) { return composite[a] > composite[b]; });
      for (size_t k = 0; k < n; ++k) rank_out[idx_[k]] = static_cast<uint16_t>(k + 1);
      return;
    }
    for (size_t r = 0; r < n; ++r) {
      const uint64_t bits = std::bit_cast<uint64_t>(composite[r] + 0.0);  // -0.0 -> +0.0
      const uint64_t ascending = (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
      keys_[r] = ~ascending;  // descending
      idx_[r] = static_cast<uint32_t>(r);
    }
    for (int shift = 0; shift < 64; shift += 11) {
      std::array<uint32_t, 2048> count{};
      for (size_t i = 0; i < n; ++i) ++count[(keys_[i] >> shift) & 2047];
      if (std::find(count.begin(), count.end(), static_cast<uint32_t>(n)) != count.end())
        continue;  // one digit
      uint32_t sum = 0;
      for (uint32_t& c : count) {
        const uint32_t here = c;
        c = sum;
        sum += here;
      }
      for (size_t i = 0; i < n; ++i) {
        const uint32_t at = count[(keys_[i] >> shift) & 2047]++;
        keys2_[at] = keys_[i];
        idx2_[at] = idx_[i];
      }
      keys_.swap(keys2_);
      idx_.swap(idx2_);
    }
    for (size_t k = 0; k < n; ++k) rank_out[idx_[k]] = static_cast<uint16_t>(k + 1);
  }

 private:
  std::vector<uint64_t> keys_, keys2_;
  std::vector<uint32_t> idx_, idx2_;
};

}  // namespace

Result<std::vector<RankInterval>> RankStability(const IndexSpec& spec, const YearResult& year,
                                                const StabilityOptions& options) {
  const size_t n = year.regions.size(), nl = spec.leaves.size(), nn = spec.nodes.size();
  const size_t draws = options.draws > 0 ? static_cast<size_t>(options.draws) : 0;
  if (draws == 0) return Fail(ErrorCode::kInvalidArgument, "draws: must be at least 1");
  if (!(options.concentration > 0))
    return Fail(ErrorCode::kInvalidArgument, "concentration: must be positive");
  if (n > 65535) return Fail(ErrorCode::kInvalidArgument, "rank intervals: at most 65,535 regions");
  // Leaf scores transposed (leaves x regions): one draw's composites are a weighted sum of rows.
  std::vector<double> st(nl * n);
  for (size_t l = 0; l < nl; ++l) {
    for (size_t r = 0; r < n; ++r) st[l * n + r] = year.Score(r, static_cast<size_t>(spec.leaves[l]));
  }
  std::mt19937_64 rng(options.seed);
  std::vector<double> local(nn), global(nn), gw(kBlock * nl), comp(kBlock * n);
  std::vector<uint16_t> block_ranks(kBlock * n), ranks(n * draws);  // ranks: region-major
  Ranker ranker(n);
  for (size_t start = 0; start < draws; start += kBlock) {
    const size_t block = std::min(kBlock, draws - start);
    for (size_t b = 0; b < block; ++b) {
      local = year.local;
      for (size_t k = 0; k < nn; ++k) {
        const Node& node = spec.nodes[k];
        if (node.children.size() < 2) continue;
        std::vector<double> w;
        if (options.experts) {
          const Weighting& wt =
              node.weighting.method == WeightMethod::kCombined ? *node.weighting.subjective : node.weighting;
          if (wt.method != WeightMethod::kAhp || wt.ahp.matrices.size() < 2) continue;
          Ahp resampled = wt.ahp;
          std::uniform_int_distribution<size_t> pick(0, wt.ahp.matrices.size() - 1);
          for (auto& m : resampled.matrices) m = wt.ahp.matrices[pick(rng)];
          Result<AhpOutcome> out = EvaluateAhp(resampled, node.children.size());
          if (!out) return std::unexpected(out.error());
          w = out->weights;
        } else {
          std::vector<double> mean;
          for (int c : node.children) mean.push_back(year.local[static_cast<size_t>(c)]);
          w = Dirichlet(mean, options.concentration, rng);
        }
        for (size_t c = 0; c < node.children.size(); ++c) local[static_cast<size_t>(node.children[c])] = w[c];
      }
      global[0] = 1;
      for (size_t k = 1; k < nn; ++k)
        global[k] = global[static_cast<size_t>(spec.nodes[k].parent)] * local[k];
      for (size_t l = 0; l < nl; ++l) gw[b * nl + l] = global[static_cast<size_t>(spec.leaves[l])];
    }
    Composites(st.data(), nl, n, gw.data(), block, comp.data());
    for (size_t b = 0; b < block; ++b) ranker.Rank(&comp[b * n], &block_ranks[b * n]);
    for (size_t r = 0; r < n; ++r) {
      uint16_t* out = &ranks[r * draws + start];
      for (size_t b = 0; b < block; ++b) out[b] = block_ranks[b * n + r];
    }
  }
  std::vector<RankInterval> out(n);
  for (size_t r = 0; r < n; ++r) {
    const std::span<uint16_t> mine(&ranks[r * draws], draws);
    double sum = 0;
    for (uint16_t x : mine) sum += x;
    // The median first; then each tail percentile is searched only on its side of it.
    auto at = [&](double q) {
      return static_cast<std::ptrdiff_t>(std::floor(q * static_cast<double>(draws - 1) + 0.5));
    };
    const auto mid = mine.begin() + at(0.50);
    std::nth_element(mine.begin(), mid, mine.end());
    std::nth_element(mine.begin(), mine.begin() + at(0.05), mid);
    std::nth_element(mid, mine.begin() + at(0.95), mine.end());
    out[r].p5 = mine[static_cast<size_t>(at(0.05))];
    out[r].p50 = *mid;
    out[r].p95 = mine[static_cast<size_t>(at(0.95))];
    out[r].mean = sum / static_cast<double>(draws);
  }
  return out;
}

}  // namespace zhisuan::index
