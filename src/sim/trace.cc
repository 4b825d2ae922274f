#include "sim/trace.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>

namespace zhisuan::sim {
namespace {

constexpr size_t kMaxProblems = 20;

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> ToDouble(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "YYYY-MM-DD HH:MM:SS" as seconds since the epoch (UTC; only differences matter).
std::optional<double> ParseTimestamp(std::string_view s) {
  std::tm tm{};
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    int v = 0;
    const auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    if (ec != std::errc() || ptr != s.data() + pos + len) return std::nullopt;
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 ||
      *se > 60) {
    return std::nullopt;
  }
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *se;
  return static_cast<double>(timegm(&tm));
}

// Serves a loaded trace: by copy from a shared one, or by move from one it owns.
class LoadedSource final : public JobSource {
 public:
  explicit LoadedSource(const LoadedTrace& trace) : trace_(&trace) {}
  explicit LoadedSource(LoadedTrace&& owned) : owned_(std::move(owned)), trace_(&owned_), move_(true) {}
  std::optional<TraceJob> Next() override {
    if (next_ == trace_->jobs.size()) return std::nullopt;
    if (move_) return std::move(owned_.jobs[next_++]);
    return trace_->jobs[next_++];
  }
  const TraceStats& stats() const override { return trace_->stats; }

 private:
  LoadedTrace owned_;
  const LoadedTrace* trace_;
  bool move_ = false;
  size_t next_ = 0;
};

struct Reader {
  const std::string& path;
  const Registry& registry;
  ProvinceDraw draw;
  bool strict;
  TraceStats stats;
  std::vector<TraceJob> jobs;
  std::optional<Error> fatal;

  void Malformed(int64_t line, const std::string& problem) {
    ++stats.malformed;
    const std::string where = fmt::format("{}:{}: {}", path, line, problem);
    if (stats.problems.size() < kMaxProblems) stats.problems.push_back(where);
    if (strict && !fatal) fatal = Error{ErrorCode::kValidation, where};
  }

  void Add(double arrival_s, Job job) {
    draw.Apply(job);
    jobs.push_back({arrival_s, std::move(job)});
    ++stats.jobs;
  }
};

Job TraceJobSpec(JobKind kind, int64_t devices, double hours, const std::string& reference, double min_memory_gb,
                 double min_fp16_tflops) {
  Job j;
  j.kind = kind;
  j.precision = Precision::kFp16;
  j.devices = devices;
  j.work.reference_hours = std::max(hours, 1.0 / 3600.0);
  j.work.reference = reference;
  j.accelerator.min_memory_gb = min_memory_gb;
  j.accelerator.min_tflops = min_fp16_tflops;
  return j;
}

void ReadPhilly(std::istream& in, Reader& r) {
  std::string line;
  int64_t n = 0;
  std::getline(in, line);
  ++n;
  if (line.rfind("timestamp,duration,num_gpus", 0) != 0) {
    r.fatal = Error{ErrorCode::kParse, fmt::format("{}:1: not a Philly trace header (timestamp,duration,num_gpus,...)", r.path)};
    return;
  }
  const Accelerator* p100 = r.registry.FindAccelerator("nvidia-p100-sxm2-16gb");
  std::vector<std::pair<double, Job>> rows;
  while (std::getline(in, line) && !r.fatal) {
    ++n;
    if (line.empty()) continue;
    ++r.stats.rows;
    const auto f = SplitCsv(line);
    if (f.size() != 5) {
      r.Malformed(n, fmt::format("expected 5 fields, got {}", f.size()));
      continue;
    }
    const auto ts = ParseTimestamp(f[0]);
    const auto duration = ToDouble(f[1]);
    const auto gpus = ToDouble(f[2]);
    if (!ts) { r.Malformed(n, fmt::format("timestamp: '{}' is not YYYY-MM-DD HH:MM:SS", f[0])); continue; }
    if (!duration || *duration < 0) { r.Malformed(n, fmt::format("duration: '{}' is not a non-negative number", f[1])); continue; }
    if (!gpus || *gpus < 1 || *gpus != std::floor(*gpus)) { r.Malformed(n, fmt::format("num_gpus: '{}' is not a positive integer", f[2])); continue; }
    Job j = TraceJobSpec(JobKind::kTrain, static_cast<int64_t>(*gpus), *duration / 3600.0, "nvidia-p100-sxm2-16gb", 16,
                         p100 && p100->fp16_tflops ? *p100->fp16_tflops : 0);
    j.tenant = std::string(f[4]);
    j.name = fmt::format("philly-{}", n);
    rows.emplace_back(*ts, std::move(j));
  }
  if (rows.empty()) return;
  const double t0 = std::ranges::min_element(rows, {}, &std::pair<double, Job>::first)->first;
  for (auto& [ts, job] : rows) r.Add(ts - t0, std::move(job));
}

std::string MapAlibabaGpu(std::string_view spec) {
  if (spec == "P100") return "nvidia-p100-sxm2-16gb";
  if (spec == "T4") return "nvidia-t4";
  if (spec == "V100M16" || spec == "V100M32") return "nvidia-v100-sxm2-32gb";
  if (spec == "A10") return "nvidia-a10";
  return "";  // G1-G3: undisclosed types
}

void ReadAlibaba(std::istream& in, Reader& r) {
  std::string line;
  int64_t n = 0;
  std::getline(in, line);
  ++n;
  if (line.rfind("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos", 0) != 0) {
    r.fatal = Error{ErrorCode::kParse, fmt::format("{}:1: not an Alibaba GPU 2023 pod list header", r.path)};
    return;
  }
  while (std::getline(in, line) && !r.fatal) {
    ++n;
    if (line.empty()) continue;
    ++r.stats.rows;
    const auto f = SplitCsv(line);
    if (f.size() != 11) { r.Malformed(n, fmt::format("expected 11 fields, got {}", f.size())); continue; }
    const auto gpus = ToDouble(f[3]);
    const auto created = ToDouble(f[8]);
    const auto deleted = ToDouble(f[9]);
    const auto scheduled = ToDouble(f[10]);
    if (!gpus || *gpus < 0 || *gpus != std::floor(*gpus)) { r.Malformed(n, fmt::format("num_gpu: '{}' is not a count", f[3])); continue; }
    if (!created || !deleted || !scheduled) { r.Malformed(n, "creation_time, deletion_time, scheduled_time must be numbers"); continue; }
    if (*gpus == 0) { ++r.stats.skipped; continue; }
    const double start = *scheduled > 0 ? *scheduled : *created;
    if (*deleted < start) { r.Malformed(n, fmt::format("deletion_time {} before the pod started at {}", *deleted, start)); continue; }
    std::string reference = "nvidia-p100-sxm2-16gb";
    double min_memory = 1e9;
    double min_fp16 = 1e9;  // a GPU pod needs an accelerator at least as fast as its slowest allowed type
    std::string spec(f[5]);
    size_t pos = 0;
    bool first = true;
    while (pos <= spec.size() && !spec.empty()) {
      const size_t bar = spec.find('|', pos);
      const std::string type = spec.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
      const std::string mapped = MapAlibabaGpu(type);
      if (const Accelerator* a = mapped.empty() ? nullptr : r.registry.FindAccelerator(mapped)) {
        if (first) reference = mapped;
        first = false;
        min_memory = std::min(min_memory, a->memory_gb);
        min_fp16 = std::min(min_fp16, a->fp16_tflops.value_or(0.0));
      }
      if (bar == std::string::npos) break;
      pos = bar + 1;
    }
    if (min_memory == 1e9) min_memory = 16;
    if (min_fp16 == 1e9) {
      const Accelerator* p100 = r.registry.FindAccelerator("nvidia-p100-sxm2-16gb");
      min_fp16 = p100 && p100->fp16_tflops ? *p100->fp16_tflops : 0.0;
    }
    const std::string_view qos = f[6];
    const JobKind kind = qos == "LS" ? JobKind::kInfer : qos == "BE" ? JobKind::kBatch : JobKind::kTrain;
    Job j = TraceJobSpec(kind, static_cast<int64_t>(*gpus), (*deleted - start) / 3600.0, reference, min_memory, min_fp16);
    if (kind == JobKind::kInfer) j.latency_slo_ms = 20;
    j.name = std::string(f[0]);
    j.tenant = fmt::format("qos-{}", qos);
    r.Add(*created, std::move(j));
  }
}

void ReadJsonl(std::istream& in, Reader& r) {
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line) && !r.fatal) {
    ++n;
    if (line.empty()) continue;
    ++r.stats.rows;
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object()) { r.Malformed(n, "not a JSON object"); continue; }
    if (!row.contains("arrival_s") || !row["arrival_s"].is_number() || row["arrival_s"].get<double>() < 0) {
      r.Malformed(n, "arrival_s: must be a non-negative number");
      continue;
    }
    if (!row.contains("job")) { r.Malformed(n, "job: is required"); continue; }
    Result<Job> job = ParseJob(row["job"].dump(), r.registry, "job");
    if (!job) { r.Malformed(n, job.error().message); continue; }
    const bool has_data = !job->data.province.empty();
    const double arrival = row["arrival_s"].get<double>();
    if (has_data) {
      r.jobs.push_back({arrival, std::move(*job)});
      ++r.stats.jobs;
    } else {
      r.Add(arrival, std::move(*job));
    }
  }
}

}  // namespace

ProvinceDraw::ProvinceDraw(const Registry& registry, uint64_t seed) : rng_(seed) {
  std::vector<double> w;
  for (const Region& r : registry.regions()) {
    provinces_.push_back(r.id);
    w.push_back(r.gdp_trillion_cny > 0 ? r.gdp_trillion_cny : 1.0);
  }
  weights_ = std::discrete_distribution<size_t>(w.begin(), w.end());
}

void ProvinceDraw::Apply(Job& job) {
  const std::string& province = provinces_[weights_(rng_)];
  job.data.province = province;
  job.user_province = province;
  // log-uniform 1 GB .. 1 TB
  job.data.size_gb = std::pow(10.0, 3.0 * std::uniform_real_distribution<double>(0, 1)(rng_));
}

Result<TraceFormat> ParseTraceFormat(const std::string& name, const std::string& path) {
  if (name == "philly") return TraceFormat::kPhilly;
  if (name == "alibaba") return TraceFormat::kAlibaba;
  if (name == "jsonl") return TraceFormat::kJsonl;
  if (name != "auto") {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("format: unknown trace format '{}' (philly, alibaba, jsonl, auto)", name));
  }
  if (path.ends_with(".jsonl")) return TraceFormat::kJsonl;
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  if (header.rfind("timestamp,duration,num_gpus", 0) == 0) return TraceFormat::kPhilly;
  if (header.rfind("name,cpu_milli,memory_mib,num_gpu", 0) == 0) return TraceFormat::kAlibaba;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("{}: cannot tell the trace format from its name or header; give --format", path));
}

Result<LoadedTrace> LoadTrace(const std::string& path, TraceFormat format, const Registry& registry, uint64_t seed,
                              bool strict) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, fmt::format("{}: cannot read trace", path));
  Reader r{path, registry, ProvinceDraw(registry, seed), strict, {}, {}, {}};
  switch (format) {
    case TraceFormat::kPhilly: ReadPhilly(in, r); break;
    case TraceFormat::kAlibaba: ReadAlibaba(in, r); break;
    case TraceFormat::kJsonl: ReadJsonl(in, r); break;
  }
  if (r.fatal) return std::unexpected(*r.fatal);
  std::ranges::stable_sort(r.jobs, {}, &TraceJob::arrival_s);
  return LoadedTrace{std::move(r.jobs), std::move(r.stats)};
}

std::unique_ptr<JobSource> Replay(const LoadedTrace& trace) { return std::make_unique<LoadedSource>(trace); }

Result<std::unique_ptr<JobSource>> OpenTrace(const std::string& path, TraceFormat format, const Registry& registry,
                                              uint64_t seed, bool strict) {
  Result<LoadedTrace> trace = LoadTrace(path, format, registry, seed, strict);
  if (!trace) return std::unexpected(trace.error());
  return std::make_unique<LoadedSource>(std::move(*trace));
}

}  // namespace zhisuan::sim
