#include "accounting/flops.h"

namespace zhisuan::accounting {

std::string_view Name(Measure m) {
  switch (m) {
    case Measure::kFp64:
      return "fp64";
    case Measure::kFp32:
      return "fp32";
    case Measure::kFp16:
      return "fp16";
    case Measure::kFp32Equivalent:
      return "fp32e";
  }
  return "?";
}

std::optional<Measure> ParseMeasure(std::string_view s) {
  if (s == "fp64") return Measure::kFp64;
  if (s == "fp32") return Measure::kFp32;
  if (s == "fp16") return Measure::kFp16;
  if (s == "fp32e") return Measure::kFp32Equivalent;
  return std::nullopt;
}

std::string_view Name(ComputeCategory c) {
  switch (c) {
    case ComputeCategory::kBasic:
      return "basic";
    case ComputeCategory::kIntelligent:
      return "intelligent";
    case ComputeCategory::kSuper:
      return "super";
  }
  return "?";
}

double CpuPeakTflops(const CpuSpec& cpu, Precision precision) {
  const double flops_per_cycle =
      precision == Precision::kFp64 ? cpu.fp64_flops_per_cycle : cpu.fp32_flops_per_cycle;
  return cpu.chips * flops_per_cycle * cpu.frequency_ghz * cpu.cores_per_chip / 1000.0;
}

std::optional<double> PeakTflops(const Accelerator& accelerator, Precision precision) {
  if (accelerator.cpu) return CpuPeakTflops(*accelerator.cpu, precision);
  switch (precision) {
    case Precision::kFp64:
      return accelerator.fp64_tflops;
    case Precision::kFp32:
      return accelerator.fp32_tflops;
    case Precision::kFp16:
      return accelerator.fp16_tflops;
  }
  return std::nullopt;
}

ComputeCategory CategoryOf(CenterKind kind, const Accelerator& accelerator) {
  if (kind == CenterKind::kSuper) return ComputeCategory::kSuper;
  return accelerator.cpu ? ComputeCategory::kBasic : ComputeCategory::kIntelligent;
}

std::optional<double> Fp32EquivalentTflops(CenterKind kind, const Accelerator& accelerator) {
  const auto fp64 = PeakTflops(accelerator, Precision::kFp64);
  const auto fp32 = PeakTflops(accelerator, Precision::kFp32);
  const auto fp16 = PeakTflops(accelerator, Precision::kFp16);
  switch (CategoryOf(kind, accelerator)) {
    case ComputeCategory::kBasic:
      return fp32;
    case ComputeCategory::kIntelligent:
      if (fp16) return *fp16 * 0.5;
      if (fp32) return fp32;
      if (fp64) return *fp64 * 2.0;
      return std::nullopt;
    case ComputeCategory::kSuper:
      if (fp64) return *fp64 * 2.0;
      if (fp32) return fp32;
      if (fp16) return *fp16 * 0.5;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> DeviceTflops(CenterKind kind, const Accelerator& accelerator, Measure measure) {
  switch (measure) {
    case Measure::kFp64:
      return PeakTflops(accelerator, Precision::kFp64);
    case Measure::kFp32:
      return PeakTflops(accelerator, Precision::kFp32);
    case Measure::kFp16:
      return PeakTflops(accelerator, Precision::kFp16);
    case Measure::kFp32Equivalent:
      return Fp32EquivalentTflops(kind, accelerator);
  }
  return std::nullopt;
}

}  // namespace zhisuan::accounting
