#include "model/yaml_field.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "util/limits.h"

namespace zhisuan {

void Diagnostics::Add(std::string_view file, int line, std::string_view path, std::string_view problem) {
  std::string where(file);
  if (line > 0) where += fmt::format(":{}", line);
  if (path.empty()) {
    lines_.push_back(fmt::format("{}: {}", where, problem));
  } else {
    lines_.push_back(fmt::format("{}: {}: {}", where, path, problem));
  }
}

std::string Diagnostics::Join(size_t limit) const {
  std::string out;
  for (size_t i = 0; i < lines_.size() && i < limit; ++i) {
    if (i > 0) out += '\n';
    out += lines_[i];
  }
  if (lines_.size() > limit) out += fmt::format("\n... and {} more problems", lines_.size() - limit);
  return out;
}

YamlField::YamlField(YAML::Node node, const std::string* file, std::string path, Diagnostics* diag,
                     int line_hint)
    // A child of a missing key is a "zombie" node on which yaml-cpp throws; keep a plain undefined node
    // instead.
    : node_(node.IsDefined() ? std::move(node) : YAML::Node(YAML::NodeType::Undefined)),
      file_(file),
      path_(std::move(path)),
      diag_(diag),
      line_hint_(line_hint) {}

int YamlField::line() const {
  if (node_.IsDefined()) {
    const YAML::Mark mark = node_.Mark();
    if (mark.line >= 0) return mark.line + 1;
  }
  return line_hint_;
}

bool YamlField::Has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node child = std::as_const(node_)[std::string(key)];
  return child.IsDefined() && !child.IsNull();
}

void YamlField::Error(std::string_view problem) const { diag_->Add(*file_, line(), path_, problem); }

YamlField YamlField::Child(std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  YAML::Node child =
      node_.IsMap() ? std::as_const(node_)[std::string(key)] : YAML::Node(YAML::NodeType::Undefined);
  return YamlField(child, file_, std::move(path), diag_, line());
}

std::vector<YamlField> YamlField::Items(std::string_view key, bool required) const {
  const YamlField seq = Child(key);
  std::vector<YamlField> items;
  if (!seq.defined()) {
    if (required) seq.Error("is required (a list)");
    return items;
  }
  if (!seq.node_.IsSequence()) {
    seq.Error("must be a list");
    return items;
  }
  items.reserve(seq.node_.size());
  for (size_t i = 0; i < seq.node_.size(); ++i) {
    items.emplace_back(seq.node_[i], file_, fmt::format("{}[{}]", seq.path_, i), diag_, seq.line());
  }
  return items;
}

std::vector<YamlField> YamlField::Elements() const {
  std::vector<YamlField> items;
  if (!node_.IsSequence()) {
    Error(defined() ? "must be a list" : "is required (a list)");
    return items;
  }
  items.reserve(node_.size());
  for (size_t i = 0; i < node_.size(); ++i) {
    items.emplace_back(node_[i], file_, fmt::format("{}[{}]", path_, i), diag_, line());
  }
  return items;
}

std::optional<std::string> YamlField::Scalar() const {
  if (!node_.IsScalar()) return std::nullopt;
  return node_.Scalar();
}

std::vector<std::pair<std::string, YamlField>> YamlField::Entries() const {
  std::vector<std::pair<std::string, YamlField>> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    out.emplace_back(key, YamlField(kv.second, file_, path_.empty() ? key : fmt::format("{}.{}", path_, key),
                                    diag_, line()));
  }
  return out;
}

bool YamlField::ExpectMap(std::initializer_list<std::string_view> allowed) const {
  if (!node_.IsMap()) {
    Error(defined() ? "must be a map of fields" : "is required (a map of fields)");
    return false;
  }
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      YamlField(kv.first, file_, path_.empty() ? key : fmt::format("{}.{}", path_, key), diag_, line())
          .Error(fmt::format("unknown field (known fields: {})", list));
    }
  }
  return true;
}

std::optional<std::string> YamlField::String(std::string_view key) const {
  const YamlField f = Child(key);
  if (!f.defined()) {
    f.Error("is required");
    return std::nullopt;
  }
  if (!f.node_.IsScalar()) {
    f.Error("must be a string");
    return std::nullopt;
  }
  std::string value = f.node_.Scalar();
  if (value.empty()) {
    f.Error("must not be empty");
    return std::nullopt;
  }
  return value;
}

std::string YamlField::OptString(std::string_view key, std::string fallback) const {
  if (!Has(key)) return fallback;
  return String(key).value_or(std::move(fallback));
}

std::vector<std::string> YamlField::StringList(std::string_view key, bool required) const {
  std::vector<std::string> out;
  for (const YamlField& item : Items(key, required)) {
    if (!item.node_.IsScalar() || item.node_.Scalar().empty()) {
      item.Error("must be a non-empty string");
      continue;
    }
    out.push_back(item.node_.Scalar());
  }
  return out;
}

std::optional<std::string> YamlField::Id(std::string_view key) const {
  std::optional<std::string> id = String(key);
  if (!id) return std::nullopt;
  for (char c : *id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      Child(key).Error(fmt::format("'{}' is not an id (lowercase letters, digits and '-' only)", *id));
      return std::nullopt;
    }
  }
  return id;
}

std::optional<double> YamlField::ParseQuantityAt(const YamlField& f, units::Dimension dimension, double min,
                                                 double max) const {
  if (!f.node_.IsScalar()) {
    f.Error(fmt::format("must be a number in {}", units::CanonicalUnit(dimension)));
    return std::nullopt;
  }
  Result<double> value = units::ParseQuantity(f.node_.Scalar(), dimension);
  if (!value) {
    f.Error(value.error().message);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    const std::string unit(units::CanonicalUnit(dimension));
    if (max == std::numeric_limits<double>::max()) {
      f.Error(fmt::format("must be >= {} {} (got {})", min, unit, *value));
    } else {
      f.Error(fmt::format("must be between {} and {} {} (got {})", min, max, unit, *value));
    }
    return std::nullopt;
  }
  return *value;
}

std::optional<double> YamlField::Quantity(std::string_view key, units::Dimension dimension, double min,
                                          double max) const {
  const YamlField f = Child(key);
  if (!f.defined()) {
    f.Error("is required");
    return std::nullopt;
  }
  return ParseQuantityAt(f, dimension, min, max);
}

std::optional<double> YamlField::OptQuantity(std::string_view key, units::Dimension dimension, double min,
                                             double max) const {
  const YamlField f = Child(key);
  if (!f.defined()) return std::nullopt;
  return ParseQuantityAt(f, dimension, min, max);
}

std::optional<double> YamlField::Number(std::string_view key, double min, double max) const {
  const YamlField f = Child(key);
  if (!f.defined()) {
    f.Error("is required");
    return std::nullopt;
  }
  return OptNumber(key, min, max);
}

std::optional<double> YamlField::OptNumber(std::string_view key, double min, double max) const {
  const YamlField f = Child(key);
  if (!f.defined()) return std::nullopt;
  double value = 0;
  if (!f.node_.IsScalar() || !YAML::convert<double>::decode(f.node_, value) || !std::isfinite(value)) {
    f.Error(fmt::format("'{}' is not a number", f.node_.IsScalar() ? f.node_.Scalar() : "(not a scalar)"));
    return std::nullopt;
  }
  if (value < min || value > max) {
    f.Error(fmt::format("must be between {} and {} (got {})", min, max, value));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> YamlField::Integer(std::string_view key, int64_t min, int64_t max) const {
  const YamlField f = Child(key);
  if (!f.defined()) {
    f.Error("is required");
    return std::nullopt;
  }
  return OptInteger(key, min, max);
}

std::optional<int64_t> YamlField::OptInteger(std::string_view key, int64_t min, int64_t max) const {
  const YamlField f = Child(key);
  if (!f.defined()) return std::nullopt;
  int64_t value = 0;
  if (!f.node_.IsScalar() || !YAML::convert<int64_t>::decode(f.node_, value)) {
    f.Error(fmt::format("'{}' is not an integer", f.node_.IsScalar() ? f.node_.Scalar() : "(not a scalar)"));
    return std::nullopt;
  }
  if (value < min) {
    f.Error(fmt::format("must be >= {} (got {})", min, value));
    return std::nullopt;
  }
  if (value > max) {
    f.Error(fmt::format("must be <= {} (got {})", max, value));
    return std::nullopt;
  }
  return value;
}

bool YamlField::Bool(std::string_view key, bool fallback) const {
  const YamlField f = Child(key);
  if (!f.defined()) return fallback;
  bool value = fallback;
  if (!f.node_.IsScalar() || !YAML::convert<bool>::decode(f.node_, value)) {
    f.Error("must be true or false");
    return fallback;
  }
  return value;
}

Provenance YamlField::ReadProvenance() const {
  Provenance p;
  p.estimated = Bool("estimated", false);
  p.derivation = OptString("derivation");
  p.source = OptString("source");
  if (p.source.empty() && !p.estimated) Child("source").Error("is required (where the figure comes from)");
  if (p.estimated && p.derivation.empty()) {
    Child("derivation").Error("is required when estimated is true (say how the value was derived)");
  }
  return p;
}

namespace {

// The first duplicate key of any map in `root`, walked with an explicit stack (no recursion on input).
// yaml-cpp keeps both entries and answers lookups with the first; nlohmann keeps the last. Neither is what
// the author meant, so a duplicate is an error.
std::optional<YAML::Node> FindDuplicateKey(const YAML::Node& root) {
  std::vector<YAML::Node> stack{root};
  while (!stack.empty()) {
    const YAML::Node node = stack.back();
    stack.pop_back();
    if (node.IsMap()) {
      std::set<std::string> keys;
      for (const auto& kv : node) {
        if (kv.first.IsScalar() && !keys.insert(kv.first.Scalar()).second) return kv.first;
        stack.push_back(kv.second);
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) stack.push_back(item);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<YAML::Node> ParseYaml(const std::string& file, const std::string& content, Diagnostics& diag,
                                    const InputLimits& limits) {
  if (Status s = CheckUntrusted(content, "", limits); !s) {
    diag.Add(file, 0, "", s.error().message);
    return std::nullopt;
  }
  YAML::Node doc;
  try {
    doc = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    diag.Add(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
             fmt::format("malformed YAML: {} (column {})", e.msg, e.mark.column + 1));
    return std::nullopt;
  }
  if (const std::optional<YAML::Node> key = FindDuplicateKey(doc)) {
    diag.Add(file, key->Mark().line >= 0 ? key->Mark().line + 1 : 0, "",
             fmt::format("duplicate key '{}' in a map", key->Scalar()));
    return std::nullopt;
  }
  return doc;
}

}  // namespace zhisuan
