#include "index/dataset.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace zhisuan::index {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// Splits one CSV line; fields may be double-quoted with "" for a quote.
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(Trim(cur));
  return fields;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct ParsedUnit {
  double multiplier = 1;
  std::string base;
};

ParsedUnit SplitUnit(std::string_view unit) {
  ParsedUnit u;
  std::string_view s = unit;
  for (const auto& [prefix, m] :
       {std::pair<std::string_view, double>{"万亿", 1e12}, {"亿", 1e8}, {"万", 1e4}, {"千", 1e3}}) {
    if (s.starts_with(prefix) && s.size() > prefix.size()) {
      u.multiplier = m;
      s.remove_prefix(prefix.size());
      break;
    }
  }
  std::string base = Lower(s);
  if (u.multiplier == 1 && base.size() > 1) {
    static const std::map<char, double> kSi = {{'k', 1e3},  {'m', 1e6},  {'g', 1e9},
                                               {'t', 1e12}, {'p', 1e15}, {'e', 1e18}};
    const std::string rest = base.substr(1);
    const bool si_base = rest == "flops" || rest == "bps" || rest == "b" || rest == "w" || rest == "wh";
    // "m" is mega for these bases (there are no milli-Flops); the original case is not needed.
    if (si_base && kSi.contains(base[0])) {
      u.multiplier = kSi.at(base[0]);
      base = rest;
    }
  }
  u.base = base;
  return u;
}

std::optional<double> ParseNumber(const std::string& text, bool& missing) {
  missing = false;
  const std::string low = Lower(text);
  if (low.empty() || low == "na" || low == "nan" || low == "-" || low == "null") {
    missing = true;
    return std::nullopt;
  }
  double x = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, x);
  if (ec != std::errc() || ptr != end || !std::isfinite(x)) return std::nullopt;
  return x;
}

struct Column {
  int leaf = -1;       // index into spec.leaves, or
  int covariate = -1;  // index into spec.covariates
  double factor = 1;
};

}  // namespace

Result<Impute> ParseImpute(std::string_view text) {
  if (text == "error" || text.empty()) return Impute::kError;
  if (text == "mean") return Impute::kMean;
  if (text == "zero") return Impute::kZero;
  if (text == "previous-year") return Impute::kPreviousYear;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("impute: '{}' is not one of: error, mean, zero, previous-year", text));
}

Result<double> UnitFactor(std::string_view from, std::string_view to) {
  if (from == to) return 1.0;
  const ParsedUnit f = SplitUnit(from), t = SplitUnit(to);
  if (f.base != t.base) {
    return Fail(ErrorCode::kValidation,
                fmt::format("unit '{}' does not convert to the indicator's unit '{}'", from, to));
  }
  return f.multiplier / t.multiplier;
}

Result<Dataset> ParseDataset(const IndexSpec& spec, const std::string& file, const std::string& csv,
                             Impute impute) {
  std::vector<std::string> problems;
  auto problem = [&](int line, std::string text) {
    problems.push_back(fmt::format("{}:{}: {}", file, line, text));
  };

  std::vector<std::pair<int, std::string>> lines;  // (line number, text)
  {
    size_t start = 0;
    int number = 0;
    while (start <= csv.size()) {
      size_t end = csv.find('\n', start);
      if (end == std::string::npos) end = csv.size();
      ++number;
      std::string text = csv.substr(start, end - start);
      if (number == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
      if (!Trim(text).empty() && !text.starts_with('#')) lines.emplace_back(number, std::move(text));
      start = end + 1;
    }
  }
  if (lines.empty())
    return Fail(ErrorCode::kParse, fmt::format("{}: empty; the first line must be the header", file));

  // Header.
  const std::vector<std::string> header = SplitCsv(lines[0].second);
  const int header_line = lines[0].first;
  if (header.size() < 2 || header[0] != "region" || header[1] != "year") {
    return Fail(ErrorCode::kParse,
                fmt::format("{}:{}: the header must start with region,year", file, header_line));
  }
  std::vector<Column> columns(header.size());
  std::vector<int> leaf_column(spec.leaves.size(), -1);
  for (size_t c = 2; c < header.size(); ++c) {
    std::string id = header[c], unit;
    const size_t open = id.find_first_of("[(");
    if (open != std::string::npos) {
      const size_t close = id.find_first_of("])", open);
      unit = Trim(id.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1));
      id = Trim(id.substr(0, open));
    }
    const int node = spec.Find(id);
    std::string expected_unit;
    if (node >= 0 && spec.nodes[static_cast<size_t>(node)].leaf()) {
      columns[c].leaf = spec.nodes[static_cast<size_t>(node)].leaf_index;
      expected_unit = spec.nodes[static_cast<size_t>(node)].unit;
      if (leaf_column[static_cast<size_t>(columns[c].leaf)] >= 0) {
        problem(header_line, fmt::format("column '{}' appears twice", id));
      }
      leaf_column[static_cast<size_t>(columns[c].leaf)] = static_cast<int>(c);
    } else {
      for (size_t k = 0; k < spec.covariates.size(); ++k) {
        if (spec.covariates[k].id == id) {
          columns[c].covariate = static_cast<int>(k);
          expected_unit = spec.covariates[k].unit;
        }
      }
      if (columns[c].covariate < 0) {
        problem(header_line,
                fmt::format("column '{}': unknown indicator (not a leaf or covariate of '{}')", id, spec.id));
        continue;
      }
    }
    if (!unit.empty()) {
      Result<double> factor = UnitFactor(unit, expected_unit);
      if (!factor)
        problem(header_line, fmt::format("column '{}': {}", id, factor.error().message));
      else
        columns[c].factor = *factor;
    }
  }
  for (size_t l = 0; l < spec.leaves.size(); ++l) {
    if (leaf_column[l] < 0) {
      problem(header_line, fmt::format("indicator '{}' has no column",
                                       spec.nodes[static_cast<size_t>(spec.leaves[l])].id));
    }
  }
  if (!problems.empty()) return Fail(ErrorCode::kValidation, fmt::format("{}", fmt::join(problems, "\n")));

  // Rows, grouped by year.
  struct Cell {
    int line;
  };
  std::map<int, YearData> years;
  std::map<std::pair<int, std::string>, int> seen;  // (year, region) -> line
  std::map<std::pair<int, size_t>, int> row_lines;  // (year, row) -> line
  const size_t nl = spec.leaves.size(), nc = spec.covariates.size();
  for (size_t r = 1; r < lines.size(); ++r) {
    const auto& [line, text] = lines[r];
    const std::vector<std::string> f = SplitCsv(text);
    if (f.size() != header.size()) {
      problem(line, fmt::format("has {} fields; the header has {}", f.size(), header.size()));
      continue;
    }
    if (f[0].empty()) {
      problem(line, "region: is empty");
      continue;
    }
    int year = 0;
    auto [ptr, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), year);
    if (ec != std::errc() || ptr != f[1].data() + f[1].size() || year < 1900 || year > 2200) {
      problem(line, fmt::format("{}: year: '{}' is not a year", f[0], f[1]));
      continue;
    }
    if (auto [it, inserted] = seen.emplace(std::pair{year, f[0]}, line); !inserted) {
      problem(line, fmt::format("{} {}: duplicate row (first on line {})", f[0], year, it->second));
      continue;
    }
    YearData& y = years[year];
    y.year = year;
    row_lines[{year, y.regions.size()}] = line;
    y.regions.push_back(f[0]);
    y.values.resize(y.values.size() + nl, kNaN);
    y.covariates.resize(y.covariates.size() + nc, kNaN);
    const size_t row = y.regions.size() - 1;
    for (size_t c = 2; c < f.size(); ++c) {
      const Column& col = columns[c];
      bool missing = false;
      const std::optional<double> x = ParseNumber(f[c], missing);
      const std::string& id =
          col.leaf >= 0 ? spec.nodes[static_cast<size_t>(spec.leaves[static_cast<size_t>(col.leaf)])].id
                        : spec.covariates[static_cast<size_t>(col.covariate)].id;
      if (!x && !missing) {
        problem(line, fmt::format("{} {}: {}: '{}' is not a finite number", f[0], year, id, f[c]));
        continue;
      }
      if (!x) continue;  // stays NaN
      if (col.leaf >= 0)
        y.values[row * nl + static_cast<size_t>(col.leaf)] = *x * col.factor;
      else
        y.covariates[row * nc + static_cast<size_t>(col.covariate)] = *x * col.factor;
    }
  }
  if (years.empty() && problems.empty()) problem(header_line, "no data rows");
  if (!problems.empty()) return Fail(ErrorCode::kValidation, fmt::format("{}", fmt::join(problems, "\n")));

  // Missing values.
  Dataset data;
  for (auto& [year, y] : years) data.years.push_back(std::move(y));
  for (size_t yi = 0; yi < data.years.size(); ++yi) {
    YearData& y = data.years[yi];
    for (size_t l = 0; l < nl; ++l) {
      const std::string& id = spec.nodes[static_cast<size_t>(spec.leaves[l])].id;
      double sum = 0;
      int count = 0;
      for (size_t r = 0; r < y.regions.size(); ++r) {
        if (!std::isnan(y.values[r * nl + l])) sum += y.values[r * nl + l], ++count;
      }
      for (size_t r = 0; r < y.regions.size(); ++r) {
        double& v = y.values[r * nl + l];
        if (!std::isnan(v)) continue;
        const int line = row_lines[{y.year, r}];
        std::optional<double> fill;
        std::string how;
        if (impute == Impute::kMean && count > 0) {
          fill = sum / count;
          how = fmt::format("mean of the {} regions that have it", count);
        } else if (impute == Impute::kZero) {
          fill = 0;
          how = "zero";
        } else if (impute == Impute::kPreviousYear) {
          for (size_t py = yi; py-- > 0 && !fill;) {
            const YearData& prev = data.years[py];
            for (size_t pr = 0; pr < prev.regions.size(); ++pr) {
              if (prev.regions[pr] == y.regions[r] && !std::isnan(prev.values[pr * nl + l])) {
                fill = prev.values[pr * nl + l];
                how = fmt::format("value of {}", prev.year);
              }
            }
          }
        }
        if (!fill) {
          const std::string_view hint = impute == Impute::kError
                                            ? " (choose --impute mean|zero|previous-year)"
                                        : impute == Impute::kPreviousYear ? " and no earlier year has it"
                                                                          : " and no region has it this year";
          problem(line, fmt::format("{} {}: {}: missing value{}", y.regions[r], y.year, id, hint));
          continue;
        }
        v = *fill;
        data.imputed.push_back(fmt::format("{}:{}: {} {}: {} imputed as {:.6g} ({})", file, line,
                                           y.regions[r], y.year, id, *fill, how));
      }
    }
  }
  if (!problems.empty()) return Fail(ErrorCode::kValidation, fmt::format("{}", fmt::join(problems, "\n")));
  return data;
}

}  // namespace zhisuan::index
