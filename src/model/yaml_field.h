// model/yaml_field.h — reading validated values out of YAML with file, line and field path in every error.
// Readers record problems in Diagnostics and carry on, so one run reports every bad field of a file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/types.h"
#include "util/limits.h"
#include "util/units.h"

namespace zhisuan {

class Diagnostics {
 public:
  // Records "file:line: path: problem" (line 0 = unknown, omitted).
  void Add(std::string_view file, int line, std::string_view path, std::string_view problem);
  bool empty() const { return lines_.empty(); }
  const std::vector<std::string>& lines() const { return lines_; }
  // All problems, one a line, at most `limit` of them followed by a count of the rest.
  std::string Join(size_t limit = 50) const;

 private:
  std::vector<std::string> lines_;
};

// A YAML node at a field path in a file. Cheap to copy; `file` and `diag` must outlive it.
class YamlField {
 public:
  YamlField(YAML::Node node, const std::string* file, std::string path, Diagnostics* diag, int line_hint = 0);

  const std::string& path() const { return path_; }
  int line() const;
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool IsMap() const { return node_.IsMap(); }
  bool Has(std::string_view key) const;

  // Records a problem at this field.
  void Error(std::string_view problem) const;

  YamlField Child(std::string_view key) const;
  // Requires a sequence at `key` (an empty one when `required` is false and the key is absent).
  std::vector<YamlField> Items(std::string_view key, bool required = true) const;

  // The elements of this field when it is a list (records "must be a list" otherwise).
  std::vector<YamlField> Elements() const;
  // This field's scalar text, or nullopt (without a problem) when it is not a scalar.
  std::optional<std::string> Scalar() const;

  // The entries of this map with their fields (empty when not a map).
  std::vector<std::pair<std::string, YamlField>> Entries() const;

  // Records "unknown field" for every key of this map not in `allowed`; requires a map.
  bool ExpectMap(std::initializer_list<std::string_view> allowed) const;

  std::optional<std::string> String(std::string_view key) const;  // required, non-empty
  std::string OptString(std::string_view key, std::string fallback = {}) const;
  std::vector<std::string> StringList(std::string_view key, bool required = true) const;
  // A required id: lowercase letters, digits and '-'.
  std::optional<std::string> Id(std::string_view key) const;
  // A number, or a string "<number> <unit>" of the dimension; checked against [min, max].
  std::optional<double> Quantity(std::string_view key, units::Dimension dimension, double min,
                                 double max) const;
  // As Quantity, but an absent or null key yields nullopt without a problem.
  std::optional<double> OptQuantity(std::string_view key, units::Dimension dimension, double min,
                                    double max) const;
  // A plain number (no unit) in [min, max].
  std::optional<double> Number(std::string_view key, double min, double max) const;
  std::optional<double> OptNumber(std::string_view key, double min, double max) const;
  std::optional<int64_t> Integer(std::string_view key, int64_t min, int64_t max) const;
  std::optional<int64_t> OptInteger(std::string_view key, int64_t min, int64_t max) const;
  bool Bool(std::string_view key, bool fallback) const;
  // `source`, `estimated` and `derivation` of this map: a source is required unless the value is estimated,
  // and an estimate must say how it was derived.
  Provenance ReadProvenance() const;

 private:
  std::optional<double> ParseQuantityAt(const YamlField& field, units::Dimension dimension, double min,
                                        double max) const;

  YAML::Node node_;
  const std::string* file_;
  std::string path_;
  Diagnostics* diag_;
  int line_hint_;  // the parent's line, for fields that are absent
};

// Parses a YAML document; a syntax error is recorded with its line and column and yields nullopt. `limits`
// bound it before the parser sees it (the untrusted defaults: job specs, uploads; the registry's own files
// pass kDataFileLimits).
std::optional<YAML::Node> ParseYaml(const std::string& file, const std::string& content, Diagnostics& diag,
                                    const InputLimits& limits = kUntrustedInput);

// The registry's data files are the operator's, not a caller's: a national registry of 10,000 centers is a
// 10 MB centers.yaml. Still bounded, and nested no deeper than any input.
inline constexpr InputLimits kDataFileLimits{.max_bytes = size_t{256} << 20, .max_depth = 64};

}  // namespace zhisuan
