#include "sim/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "model/load_parts.h"

namespace zhisuan::sim {
namespace {

std::optional<double> Number(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<Failure> ParseFailure(const std::string& text) {
  const size_t at = text.find('@');
  if (at == std::string::npos || at == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("fail: '{}' is not CENTER@HOURS[+DURATION_HOURS]", text));
  }
  Failure f;
  f.center = text.substr(0, at);
  const std::string rest = text.substr(at + 1);
  const size_t plus = rest.find('+');
  const auto when = Number(std::string_view(rest).substr(0, plus));
  if (!when || *when < 0)
    return Fail(ErrorCode::kInvalidArgument, fmt::format("fail: '{}': hours must be >= 0", text));
  f.at_s = *when * 3600;
  if (plus != std::string::npos) {
    const auto duration = Number(std::string_view(rest).substr(plus + 1));
    if (!duration || *duration <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("fail: '{}': the duration must be > 0 hours", text));
    }
    f.duration_s = *duration * 3600;
  }
  return f;
}

Result<std::vector<uint64_t>> ParseSeeds(const std::string& text) {
  constexpr size_t kMaxSeeds = 1000;
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("seeds: '{}' {} (give e.g. 1,2,3 or 1-5)", text, why));
  };
  auto number = [](std::string_view s) -> std::optional<uint64_t> {
    uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  };
  std::vector<uint64_t> seeds;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t dash = item.find('-');
    const auto from = number(item.substr(0, dash));
    const auto to = dash == std::string_view::npos ? from : number(item.substr(dash + 1));
    if (!from || !to) return bad("is not a list of seeds or ranges");
    if (*to < *from) return bad("has a range that runs backwards");
    if (*to - *from >= kMaxSeeds) return bad("asks for more than 1,000 runs");
    for (uint64_t s = *from;; ++s) {
      if (std::ranges::find(seeds, s) == seeds.end()) seeds.push_back(s);
      if (seeds.size() > kMaxSeeds) return bad("asks for more than 1,000 runs");
      if (s == *to) break;
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return seeds;
}

Result<std::pair<double, double>> ParseRandomFailures(const std::string& text) {
  const size_t colon = text.find(':');
  const auto mtbf = Number(std::string_view(text).substr(0, colon));
  const auto mttr = colon == std::string::npos ? std::optional<double>(4.0)
                                               : Number(std::string_view(text).substr(colon + 1));
  if (!mtbf || !mttr || *mtbf <= 0 || *mttr <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("random-failures: '{}' is not MTBF_H[:MTTR_H] with both > 0 hours", text));
  }
  return std::pair{*mtbf, *mttr};
}

Result<Registry> ApplyWhatIf(const Registry& base, const std::vector<std::string>& tariff_scales,
                             const std::vector<std::string>& center_files) {
  std::vector<Region> regions = base.regions();
  for (const std::string& edit : tariff_scales) {
    const size_t eq = edit.find('=');
    const auto factor =
        eq == std::string::npos ? std::nullopt : Number(std::string_view(edit).substr(eq + 1));
    if (!factor || *factor <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("tariff-scale: '{}' is not PROVINCE=FACTOR (> 0)", edit));
    }
    const std::string province = edit.substr(0, eq);
    auto it = std::ranges::find(regions, province, &Region::id);
    if (it == regions.end()) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("tariff-scale: unknown province '{}'", province));
    }
    it->tariff.flat_cny_per_kwh *= *factor;
  }
  std::vector<Center> centers = base.centers();
  for (const std::string& path : center_files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(ErrorCode::kIo, fmt::format("{}: cannot read", path));
    std::ostringstream text;
    text << in.rdbuf();
    Diagnostics diag;
    const auto doc = ParseYaml(path, text.str(), diag);
    if (!doc) return Fail(ErrorCode::kParse, diag.Join());
    std::vector<Center> added = load::Centers(YamlField(*doc, &path, "", &diag), base);
    for (const Center& c : added) {
      if (base.FindCenter(c.id) != nullptr)
        diag.Add(path, 0, "centers", fmt::format("center '{}' already exists", c.id));
    }
    if (!diag.empty()) return Fail(ErrorCode::kValidation, diag.Join());
    centers.insert(centers.end(), added.begin(), added.end());
  }
  return Registry(base.accelerators(), std::move(regions), base.hubs(), base.clusters(), std::move(centers),
                  base.network(), base.pricing(), base.placement());
}

}  // namespace zhisuan::sim
