#include <fmt/format.h>

#include <cctype>
#include <map>

#include "model/enums.h"
#include "model/load_parts.h"

namespace zhisuan::load {

bool IdSet::Claim(const std::string& id, const YamlField& id_field) {
  const auto [it, inserted] = first_line_.emplace(id, id_field.line());
  if (!inserted) id_field.Error(fmt::format("duplicate id '{}' (first defined at line {})", id, it->second));
  return inserted;
}

namespace {

std::optional<CpuSpec> ReadCpu(const YamlField& f) {
  if (!f.ExpectMap(
          {"chips", "cores_per_chip", "frequency_ghz", "fp64_flops_per_cycle", "fp32_flops_per_cycle"})) {
    return std::nullopt;
  }
  CpuSpec cpu;
  const auto chips = f.Integer("chips", 1, 64);
  const auto cores = f.Integer("cores_per_chip", 1, 4096);
  const auto ghz = f.Quantity("frequency_ghz", units::Dimension::kFrequency, 0.1, 10);
  const auto fp64 = f.Number("fp64_flops_per_cycle", 0.5, 1024);
  const auto fp32 = f.Number("fp32_flops_per_cycle", 0.5, 1024);
  if (!chips || !cores || !ghz || !fp64 || !fp32) return std::nullopt;
  cpu.chips = static_cast<int>(*chips);
  cpu.cores_per_chip = static_cast<int>(*cores);
  cpu.frequency_ghz = *ghz;
  cpu.fp64_flops_per_cycle = *fp64;
  cpu.fp32_flops_per_cycle = *fp32;
  return cpu;
}

struct Vendor {
  std::string country;
  Provenance provenance;
};
using Vendors = std::map<std::string, Vendor, std::less<>>;

Vendors ReadVendors(const YamlField& doc) {
  Vendors out;
  for (const YamlField& f : doc.Items("vendors", false)) {
    if (!f.ExpectMap({"id", "name_zh", "country", "source", "estimated", "derivation"})) continue;
    const auto id = f.String("id");
    const auto country = f.String("country");
    if (country && (country->size() != 2 || !std::isupper(static_cast<unsigned char>((*country)[0])) ||
                    !std::isupper(static_cast<unsigned char>((*country)[1])))) {
      f.Child("country").Error(fmt::format("'{}' is not an ISO 3166 alpha-2 code (e.g. CN, US)", *country));
    }
    Provenance provenance = f.ReadProvenance();
    if (!id || !country) continue;
    if (!out.emplace(*id, Vendor{*country, std::move(provenance)}).second) {
      f.Child("id").Error(fmt::format("duplicate vendor '{}'", *id));
    }
  }
  return out;
}

std::optional<Accelerator> ReadAccelerator(const YamlField& f, IdSet& ids, const Vendors& vendors) {
  if (!f.ExpectMap({"id", "name", "vendor", "class", "fp64_tflops", "fp32_tflops", "fp16_tflops", "cpu",
                    "memory_gb", "tdp_w", "source", "estimated", "derivation"})) {
    return std::nullopt;
  }
  Accelerator a;
  const auto id = f.Id("id");
  if (id) ids.Claim(*id, f.Child("id"));
  a.name = f.String("name").value_or("");
  a.vendor = f.String("vendor").value_or("");
  if (!vendors.empty() && !a.vendor.empty()) {
    if (const auto v = vendors.find(a.vendor); v != vendors.end()) {
      a.vendor_country = v->second.country;
      a.vendor_provenance = v->second.provenance;
    } else {
      f.Child("vendor").Error(fmt::format("'{}' is not among the vendors listed in this file", a.vendor));
    }
  }
  const auto cls_name = f.String("class");
  std::optional<DeviceClass> cls;
  if (cls_name) {
    cls = ParseDeviceClass(*cls_name);
    if (!cls)
      f.Child("class").Error(fmt::format("unknown class '{}' (one of {})", *cls_name, DeviceClassNames()));
  }
  const auto tflops = [&](std::string_view key) {
    return f.OptQuantity(key, units::Dimension::kCompute, 0, 1e6);
  };
  if (cls == DeviceClass::kCpu) {
    for (std::string_view key : {"fp64_tflops", "fp32_tflops", "fp16_tflops"}) {
      if (f.Has(key)) f.Child(key).Error("not allowed for a CPU server: its peak follows the cpu formula");
    }
    if (!f.Has("cpu")) f.Child("cpu").Error("is required for class cpu");
    a.cpu = f.Has("cpu") ? ReadCpu(f.Child("cpu")) : std::nullopt;
  } else {
    if (f.Has("cpu")) f.Child("cpu").Error("only allowed for class cpu");
    a.fp64_tflops = tflops("fp64_tflops");
    a.fp32_tflops = tflops("fp32_tflops");
    a.fp16_tflops = tflops("fp16_tflops");
    if (!a.fp16_tflops && !a.fp32_tflops && !a.fp64_tflops) {
      f.Error("needs at least one of fp64_tflops, fp32_tflops, fp16_tflops");
    }
  }
  const auto memory = f.Quantity("memory_gb", units::Dimension::kMemory, 0.001, 1e6);
  const auto tdp = f.Quantity("tdp_w", units::Dimension::kPower, 1, 1e6);
  a.provenance = f.ReadProvenance();
  if (!id || !cls || !memory || !tdp) return std::nullopt;
  a.id = *id;
  a.device_class = *cls;
  a.memory_gb = *memory;
  a.tdp_w = *tdp;
  return a;
}

}  // namespace

std::vector<Accelerator> Accelerators(const YamlField& doc) {
  std::vector<Accelerator> out;
  if (!doc.ExpectMap({"vendors", "accelerators"})) return out;
  const Vendors vendors = ReadVendors(doc);
  IdSet ids;
  for (const YamlField& item : doc.Items("accelerators")) {
    if (auto a = ReadAccelerator(item, ids, vendors)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace zhisuan::load
