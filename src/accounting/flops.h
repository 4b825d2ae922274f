// accounting/flops.h — peak compute of devices and pools at FP64 / FP32 / FP16, and the "converted to FP32"
// measure of the national statistics (CAICT, seed 004).
#pragma once

#include <optional>
#include <string_view>

#include "model/types.h"

namespace zhisuan::accounting {

// What a capacity figure measures: a peak at one precision, or the FP32-equivalent of the national
// statistics.
enum class Measure { kFp64, kFp32, kFp16, kFp32Equivalent };

std::string_view Name(Measure m);
std::optional<Measure> ParseMeasure(std::string_view s);  // "fp64", "fp32", "fp16", "fp32e"
inline constexpr std::string_view kMeasureNames = "fp16, fp32, fp64, fp32e";

// The statistical category a pool counts under (seed 004: 基础算力, 智能算力, 超算算力).
enum class ComputeCategory { kBasic, kIntelligent, kSuper };
std::string_view Name(ComputeCategory c);

// A CPU server's peak in TFLOPS: chips x FLOPs per cycle x frequency (GHz) x cores / 1000.
// FP16 is taken at the FP32 rate (no half-precision units are counted for CPUs).
double CpuPeakTflops(const CpuSpec& cpu, Precision precision);

// Peak TFLOPS of one device at `precision`; nullopt when the vendor publishes none.
std::optional<double> PeakTflops(const Accelerator& accelerator, Precision precision);

// Everything in a supercomputing center counts as super; elsewhere CPU servers are basic and accelerators
// intelligent.
ComputeCategory CategoryOf(CenterKind kind, const Accelerator& accelerator);

// FP32-equivalent TFLOPS of one device, by the CAICT convention: basic compute at FP32, intelligent compute
// at FP16 x 0.5, supercomputing at FP64 x 2. Falls back along the published precisions
// (FP16 -> FP32 -> FP64 x 2 for intelligent; FP64 x 2 -> FP32 for super); nullopt only when none is
// published.
std::optional<double> Fp32EquivalentTflops(CenterKind kind, const Accelerator& accelerator);

// TFLOPS of one device under a measure (nullopt when unpublished).
std::optional<double> DeviceTflops(CenterKind kind, const Accelerator& accelerator, Measure measure);

}  // namespace zhisuan::accounting
