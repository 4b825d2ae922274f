#include "accounting/flops.h"

#include <gtest/gtest.h>

namespace zhisuan::accounting {
namespace {

Accelerator Gpu(std::optional<double> fp64, std::optional<double> fp32, std::optional<double> fp16) {
  Accelerator a;
  a.id = "g";
  a.fp64_tflops = fp64;
  a.fp32_tflops = fp32;
  a.fp16_tflops = fp16;
  return a;
}

TEST(Flops, CpuFormula) {
  // 2x Xeon 8480+: 2 chips x 32 FP64 FLOPs/cycle x 2.0 GHz x 56 cores = 7168 GFLOPS = 7.168 TFLOPS.
  const CpuSpec xeon{2, 56, 2.0, 32, 64};
  EXPECT_DOUBLE_EQ(CpuPeakTflops(xeon, Precision::kFp64), 7.168);
  EXPECT_DOUBLE_EQ(CpuPeakTflops(xeon, Precision::kFp32), 14.336);
  EXPECT_DOUBLE_EQ(CpuPeakTflops(xeon, Precision::kFp16), 14.336);
  // 2x Kunpeng 920-7260: 2 x 8 x 2.6 x 64 = 2662.4 GFLOPS.
  EXPECT_NEAR(CpuPeakTflops({2, 64, 2.6, 8, 16}, Precision::kFp64), 2.6624, 1e-12);
}

TEST(Flops, PublishedPeaks) {
  const Accelerator a100 = Gpu(9.7, 19.5, 312);
  EXPECT_DOUBLE_EQ(*PeakTflops(a100, Precision::kFp16), 312);
  EXPECT_DOUBLE_EQ(*PeakTflops(a100, Precision::kFp64), 9.7);
  EXPECT_FALSE(PeakTflops(Gpu(std::nullopt, std::nullopt, 320), Precision::kFp32).has_value());
}

TEST(Flops, Fp32EquivalentByCategory) {
  const Accelerator a100 = Gpu(9.7, 19.5, 312);
  // Intelligent compute: FP16 x 0.5.
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kIntelligent, a100), 156);
  // Supercomputing: FP64 x 2.
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kSuper, a100), 19.4);
  // Basic compute (CPU outside supercomputing): FP32.
  Accelerator cpu;
  cpu.cpu = CpuSpec{2, 56, 2.0, 32, 64};
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kGeneral, cpu), 14.336);
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kSuper, cpu), 14.336);
  EXPECT_EQ(CategoryOf(CenterKind::kIntelligent, cpu), ComputeCategory::kBasic);
  // Fallbacks when a precision is unpublished.
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kIntelligent, Gpu(0.5, 1.0, std::nullopt)), 1.0);
  EXPECT_DOUBLE_EQ(*Fp32EquivalentTflops(CenterKind::kSuper, Gpu(std::nullopt, std::nullopt, 320)), 160);
}

TEST(Flops, MeasureNames) {
  EXPECT_EQ(ParseMeasure("fp32e"), Measure::kFp32Equivalent);
  EXPECT_FALSE(ParseMeasure("fp8").has_value());
  EXPECT_EQ(Name(Measure::kFp16), "fp16");
}

}  // namespace
}  // namespace zhisuan::accounting
