#include <fmt/format.h>

#include <algorithm>

#include "model/enums.h"
#include "model/job.h"
#include "model/yaml_field.h"
#include "util/json.h"

namespace zhisuan {
namespace {

std::optional<JobKind> ParseKind(std::string_view s) {
  for (JobKind k : {JobKind::kTrain, JobKind::kInfer, JobKind::kHpc, JobKind::kBatch}) {
    if (Name(k) == s) return k;
  }
  return std::nullopt;
}

Precision DefaultPrecision(JobKind kind) {
  switch (kind) {
    case JobKind::kHpc:
      return Precision::kFp64;
    case JobKind::kBatch:
      return Precision::kFp32;
    case JobKind::kTrain:
    case JobKind::kInfer:
      return Precision::kFp16;
  }
  return Precision::kFp16;
}

void CheckProvince(const YamlField& f, const Registry& registry, const std::string& id) {
  if (registry.FindRegion(id) == nullptr) f.Error(fmt::format("unknown province '{}'", id));
}

}  // namespace

std::string_view Name(JobKind k) {
  switch (k) {
    case JobKind::kTrain:
      return "train";
    case JobKind::kInfer:
      return "infer";
    case JobKind::kHpc:
      return "hpc";
    case JobKind::kBatch:
      return "batch";
  }
  return "?";
}

std::optional<Job> ReadJob(const YamlField& f, const Registry& registry) {
  if (!f.ExpectMap({"name", "tenant", "kind", "precision", "devices", "accelerator", "work", "deadline_h",
                    "latency_slo_ms", "user_province", "data", "residency", "priority", "gang", "command",
                    "walltime_h", "memory_gb"})) {
    return std::nullopt;
  }
  Job job;
  bool ok = true;
  job.name = f.OptString("name", "job");
  job.tenant = f.OptString("tenant");  // empty: the submitter's tenant (the server fills it in)
  if (const auto kind = f.String("kind")) {
    const auto parsed = ParseKind(*kind);
    if (parsed)
      job.kind = *parsed;
    else
      f.Child("kind").Error(fmt::format("unknown kind '{}' (one of train, infer, hpc, batch)", *kind));
    ok = ok && parsed.has_value();
  } else {
    ok = false;
  }
  job.precision = DefaultPrecision(job.kind);
  if (f.Has("precision")) {
    const auto name = f.String("precision");
    const auto parsed = name ? ParsePrecision(*name) : std::nullopt;
    if (name && !parsed) {
      f.Child("precision").Error(fmt::format("unknown precision '{}' (one of {})", *name, PrecisionNames()));
    }
    if (parsed) job.precision = *parsed;
  }
  const auto devices = f.Integer("devices", 1, 1'000'000);
  ok = ok && devices.has_value();
  job.devices = devices.value_or(1);

  // accelerator: {models: [...]} and/or {min_tflops, min_memory_gb, domestic}
  if (f.Has("accelerator")) {
    const YamlField a = f.Child("accelerator");
    if (a.ExpectMap({"models", "min_tflops", "min_memory_gb", "domestic"})) {
      job.accelerator.models = a.StringList("models", false);
      for (const std::string& m : job.accelerator.models) {
        if (registry.FindAccelerator(m) == nullptr) {
          a.Child("models").Error(fmt::format("unknown accelerator '{}'", m));
          ok = false;
        }
      }
      job.accelerator.min_tflops = a.OptQuantity("min_tflops", units::Dimension::kCompute, 0, 1e7);
      job.accelerator.min_memory_gb =
          a.OptQuantity("min_memory_gb", units::Dimension::kMemory, 0, 1e7).value_or(0);
      job.accelerator.domestic = a.Bool("domestic", false);
      if (job.accelerator.domestic) {
        for (const std::string& m : job.accelerator.models) {
          const Accelerator* acc = registry.FindAccelerator(m);
          if (acc != nullptr && !acc->domestic()) {
            a.Child("models").Error(fmt::format(
                "'{}' is not domestic ({}, {}) but accelerator.domestic is true", m, acc->vendor,
                acc->vendor_country.empty() ? "vendor's country not given" : acc->vendor_country));
            ok = false;
          }
        }
      }
    }
  }

  // work: {reference_hours, reference} or {pflop}; throughput_tflops overrides
  const YamlField w = f.Child("work");
  if (w.ExpectMap({"reference_hours", "reference", "pflop", "throughput_tflops"})) {
    job.work.reference_hours = w.OptNumber("reference_hours", 1e-9, 1e9);
    job.work.pflop = w.OptNumber("pflop", 1e-9, 1e15);
    if (job.work.reference_hours.has_value() == job.work.pflop.has_value()) {
      w.Error("give exactly one of reference_hours (with reference) or pflop");
      ok = false;
    }
    if (w.Has("reference_hours") || w.Has("reference")) {
      const auto ref = w.Id("reference");
      if (ref && registry.FindAccelerator(*ref) == nullptr) {
        w.Child("reference").Error(fmt::format("unknown accelerator '{}'", *ref));
        ok = false;
      }
      job.work.reference = ref.value_or("");
      ok = ok && ref.has_value();
    }
    if (w.Has("throughput_tflops")) {
      const YamlField t = w.Child("throughput_tflops");
      if (!t.IsMap()) t.Error("must be a map of accelerator id to effective TFLOPS per device");
      for (const auto& [model, value] : t.Entries()) {
        if (registry.FindAccelerator(model) == nullptr) {
          value.Error(fmt::format("unknown accelerator '{}'", model));
          ok = false;
        } else if (const auto v = t.Quantity(model, units::Dimension::kCompute, 1e-9, 1e7)) {
          job.work.throughput_tflops[model] = *v;
        }
      }
    }
  } else {
    ok = false;
  }

  job.deadline_h = f.OptNumber("deadline_h", 1e-6, 1e6);
  job.latency_slo_ms = f.OptQuantity("latency_slo_ms", units::Dimension::kLatency, 1e-3, 1e5);
  if (f.Has("user_province")) {
    job.user_province = f.Id("user_province").value_or("");
    CheckProvince(f.Child("user_province"), registry, job.user_province);
  }
  if (job.latency_slo_ms && job.user_province.empty()) {
    f.Child("user_province").Error("is required with latency_slo_ms (where the users are)");
    ok = false;
  }
  if (f.Has("data")) {
    const YamlField d = f.Child("data");
    if (d.ExpectMap({"size_gb", "province"})) {
      job.data.size_gb = d.Quantity("size_gb", units::Dimension::kMemory, 0, 1e9).value_or(0);
      job.data.province = d.Id("province").value_or("");
      if (!job.data.province.empty()) CheckProvince(d.Child("province"), registry, job.data.province);
    }
  }
  if (f.Has("residency")) {
    const YamlField r = f.Child("residency");
    if (r.ExpectMap({"provinces", "hubs"})) {
      job.residency_provinces = r.StringList("provinces", false);
      job.residency_hubs = r.StringList("hubs", false);
      for (const std::string& p : job.residency_provinces) CheckProvince(r.Child("provinces"), registry, p);
      for (const std::string& h : job.residency_hubs) {
        if (registry.FindHub(h) == nullptr) r.Child("hubs").Error(fmt::format("unknown hub '{}'", h));
      }
      if (job.residency_provinces.empty() && job.residency_hubs.empty()) {
        r.Error("must list at least one province or hub");
      }
    }
  }
  job.priority = static_cast<int>(f.OptInteger("priority", -1000, 1000).value_or(0));
  job.gang = f.Bool("gang", true);
  if (f.Has("command")) {
    job.command = f.StringList("command");
    if (job.command.empty())
      f.Child("command").Error("must list the program and its arguments (an argv array)");
    for (const std::string& arg : job.command) {
      if (arg.find('\0') != std::string::npos)
        f.Child("command").Error("arguments must not contain NUL bytes");
    }
  }
  job.walltime_h = f.OptNumber("walltime_h", 1e-6, 1e5);
  job.memory_gb = f.OptNumber("memory_gb", 1e-3, 1e6);
  if (!ok) return std::nullopt;
  return job;
}

namespace {

// Recursive, but only over a document ParseJson accepted: at most kUntrustedInput.max_depth levels.
YAML::Node ToYaml(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node map(YAML::NodeType::Map);
      for (const auto& [key, value] : j.items()) map[key] = ToYaml(value);
      return map;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node seq(YAML::NodeType::Sequence);
      for (const auto& value : j) seq.push_back(ToYaml(value));
      return seq;
    }
    case nlohmann::json::value_t::string:
      return YAML::Node(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::null:
      return YAML::Node(YAML::NodeType::Null);
    default:  // numbers and booleans, as their JSON text
      return YAML::Node(j.dump());
  }
}

// Job specs posted to the API are mostly one-line JSON; nlohmann reads them several times faster than
// yaml-cpp. Every field of a one-line document is on line 1, so errors keep their line. Anything else (YAML,
// JSON over several lines, or JSON that ParseJson refuses, whose message should then be the YAML path's with
// its line, as for every other document) takes the YAML path, which applies the same limits and also refuses
// duplicate keys.
std::optional<YAML::Node> FastJson(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return std::nullopt;
  if (text.find('\n', first) < text.find_last_not_of(" \t\r\n")) return std::nullopt;
  Result<nlohmann::json> j = ParseJson(text, "request body");
  if (!j || !j->is_object()) return std::nullopt;
  return ToYaml(*j);
}

}  // namespace

Result<Job> ParseJob(std::string_view text, const Registry& registry, std::string_view label) {
  Diagnostics diag;
  const std::string file(label);
  std::optional<YAML::Node> doc = FastJson(text);
  const int line_hint = doc ? 1 : 0;  // a one-line document has every field on line 1
  if (!doc) doc = ParseYaml(file, std::string(text), diag);
  if (!doc) return Fail(ErrorCode::kParse, diag.Join());
  std::optional<Job> job = ReadJob(YamlField(*doc, &file, "", &diag, line_hint), registry);
  if (!diag.empty() || !job) {
    return Fail(ErrorCode::kValidation, diag.empty() ? fmt::format("{}: invalid job", label) : diag.Join());
  }
  return std::move(*job);
}

}  // namespace zhisuan
