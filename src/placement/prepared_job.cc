#include "placement/prepared_job.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "model/enums.h"

namespace zhisuan::placement {
namespace {

double Efficiency(const PlacementParams& p, JobKind kind) {
  switch (kind) {
    case JobKind::kTrain:
      return p.efficiency_train;
    case JobKind::kInfer:
      return p.efficiency_infer;
    case JobKind::kHpc:
      return p.efficiency_hpc;
    case JobKind::kBatch:
      return p.efficiency_batch;
  }
  return 1.0;
}

// Effective TFLOPS of one device of `a` for the job: the override, else peak x efficiency; < 0 when unknown.
double EffectiveTflops(const Snapshot& s, const Job& job, const AcceleratorInfo& a) {
  if (!job.work.throughput_tflops.empty()) {
    if (const auto it = job.work.throughput_tflops.find(a.id); it != job.work.throughput_tflops.end())
      return it->second;
  }
  const double peak = a.peak_tflops[static_cast<size_t>(job.precision)];
  return peak < 0 ? -1.0 : peak * Efficiency(s.params(), job.kind);
}

}  // namespace

Result<PreparedJob> Prepare(const Snapshot& s, const Job& job, double submitted_s) {
  PreparedJob p;
  if (Status ok = Prepare(s, job, submitted_s, p); !ok) return std::unexpected(std::move(ok.error()));
  return p;
}

Status Prepare(const Snapshot& s, const Job& job, double submitted_s, PreparedJob& p) {
  p.job = &job;
  p.devices = job.devices;
  p.priority = job.priority;
  p.gang = job.gang;
  p.data_gb = job.data.size_gb;
  p.latency_slo_ms = job.latency_slo_ms;
  p.models.clear();
  p.no_model_reason.clear();
  p.residency.clear();
  p.data_province = kNone;
  p.user_province = kNone;
  p.deadline_at_s =
      job.deadline_h ? submitted_s + *job.deadline_h * 3600.0 : std::numeric_limits<double>::infinity();
  const std::string_view precision = Name(job.precision);
  if (job.work.pflop) {
    p.work_tflop_h = *job.work.pflop * 1000.0 / 3600.0;
  } else {
    const int32_t ref = s.AcceleratorIndex(job.work.reference);
    if (ref == kNone) {
      return Fail(ErrorCode::kValidation,
                  fmt::format("work.reference: unknown accelerator '{}'", job.work.reference));
    }
    const double eff = EffectiveTflops(s, job, s.accelerators()[static_cast<size_t>(ref)]);
    if (eff <= 0) {
      return Fail(
          ErrorCode::kValidation,
          fmt::format("work.reference: '{}' has no published {} peak; give work.throughput_tflops for it",
                      job.work.reference, precision));
    }
    // Wall hours on `devices` reference devices.
    p.work_tflop_h = *job.work.reference_hours * static_cast<double>(job.devices) * eff;
  }

  // The accelerators to check, in index order: the allowed ones (a job names a few), or all.
  const auto& allowed = job.accelerator.models;
  const uint32_t n = static_cast<uint32_t>(s.accelerators().size());
  p.model_slot.assign(n, kNone);
  thread_local std::vector<uint32_t> check;  // reused: no allocation per job
  check.clear();
  if (allowed.empty()) {
    for (uint32_t i = 0; i < n; ++i) check.push_back(i);
  } else {
    for (const std::string& id : allowed) {
      if (const int32_t i = s.AcceleratorIndex(id); i != kNone) check.push_back(static_cast<uint32_t>(i));
    }
    std::ranges::sort(check);
    check.erase(std::unique(check.begin(), check.end()), check.end());
  }
  int unknown_peak = 0, too_slow = 0, too_small = 0, foreign = 0;
  for (const uint32_t i : check) {
    const AcceleratorInfo& a = s.accelerators()[i];
    if (job.accelerator.domestic && !a.domestic) {
      ++foreign;
      continue;
    }
    const double peak = a.peak_tflops[static_cast<size_t>(job.precision)];
    if (job.accelerator.min_tflops && (peak < 0 || peak < *job.accelerator.min_tflops)) {
      ++too_slow;
      continue;
    }
    if (a.memory_gb < job.accelerator.min_memory_gb) {
      ++too_small;
      continue;
    }
    const double eff = EffectiveTflops(s, job, a);
    if (eff <= 0) {
      ++unknown_peak;
      continue;
    }
    p.model_slot[i] = static_cast<int32_t>(p.models.size());
    p.models.push_back({i, eff, p.work_tflop_h / (static_cast<double>(job.devices) * eff)});
  }
  if (p.models.empty()) {
    p.no_model_reason = fmt::format(
        "no accelerator model satisfies the job ({}{}{}{}{} checked: {}{} below {} {} TFLOPS, {} below {} GB "
        "memory, {} without a published {} peak)",
        job.accelerator.models.empty() ? "any model" : "models ",
        job.accelerator.models.empty() ? "" : fmt::format("{}", fmt::join(job.accelerator.models, ", ")),
        job.accelerator.domestic ? ", domestic only" : "",
        job.accelerator.min_tflops ? fmt::format(", min {} TFLOPS", *job.accelerator.min_tflops) : "",
        job.accelerator.min_memory_gb > 0 ? fmt::format(", min {} GB", job.accelerator.min_memory_gb) : "",
        job.accelerator.domestic ? fmt::format("{} not domestic, ", foreign) : "", too_slow,
        job.accelerator.min_tflops.value_or(0), precision, too_small, job.accelerator.min_memory_gb,
        unknown_peak, precision);
  }
  if (!job.data.province.empty()) p.data_province = s.ProvinceIndex(job.data.province);
  if (!job.user_province.empty()) p.user_province = s.ProvinceIndex(job.user_province);
  if (!job.residency_provinces.empty() || !job.residency_hubs.empty()) {
    p.residency.assign(s.provinces().size(), 0);
    for (const std::string& id : job.residency_provinces) {
      if (const int32_t i = s.ProvinceIndex(id); i != kNone) p.residency[static_cast<size_t>(i)] = 1;
    }
    for (const std::string& hub : job.residency_hubs) {
      const int32_t h = s.HubIndex(hub);
      for (const CenterInfo& c : s.centers()) {
        if (h != kNone && c.hub == h) p.residency[static_cast<size_t>(c.province)] = 1;
      }
    }
  }
  return {};
}

}  // namespace zhisuan::placement
