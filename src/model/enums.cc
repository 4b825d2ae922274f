#include "model/enums.h"

#include <array>
#include <utility>

namespace zhisuan {
namespace {

template <typename E, size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<Precision, 3> kPrecisions{
    {{Precision::kFp64, "fp64"}, {Precision::kFp32, "fp32"}, {Precision::kFp16, "fp16"}}};
constexpr Table<DeviceClass, 5> kDeviceClasses{{{DeviceClass::kGpu, "gpu"},
                                                {DeviceClass::kNpu, "npu"},
                                                {DeviceClass::kDcu, "dcu"},
                                                {DeviceClass::kXpu, "xpu"},
                                                {DeviceClass::kCpu, "cpu"}}};
constexpr Table<CenterKind, 4> kKinds{{{CenterKind::kIntelligent, "intelligent"},
                                       {CenterKind::kSuper, "super"},
                                       {CenterKind::kGeneral, "general"},
                                       {CenterKind::kEdge, "edge"}}};
constexpr Table<CenterState, 3> kStates{
    {{CenterState::kUp, "up"}, {CenterState::kDraining, "draining"}, {CenterState::kDown, "down"}}};
constexpr Table<Lifecycle, 4> kLifecycles{{{Lifecycle::kPlanned, "planned"},
                                           {Lifecycle::kBuilding, "under_construction"},
                                           {Lifecycle::kInService, "in_service"},
                                           {Lifecycle::kRetired, "retired"}}};
constexpr Table<BackendKind, 3> kBackends{
    {{BackendKind::kSim, "sim"}, {BackendKind::kLocal, "local"}, {BackendKind::kSlurm, "slurm"}}};
constexpr Table<BuilderType, 4> kBuilders{{{BuilderType::kGovernment, "government"},
                                           {BuilderType::kCarrier, "carrier"},
                                           {BuilderType::kCloud, "cloud"},
                                           {BuilderType::kOther, "other"}}};

template <typename E, size_t N>
std::string_view NameIn(const Table<E, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const Table<E, N>& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(Precision p) { return NameIn(kPrecisions, p); }
std::string_view Name(DeviceClass c) { return NameIn(kDeviceClasses, c); }
std::string_view Name(CenterKind k) { return NameIn(kKinds, k); }
std::string_view Name(CenterState s) { return NameIn(kStates, s); }
std::string_view Name(Lifecycle l) { return NameIn(kLifecycles, l); }
std::string_view Name(BackendKind b) { return NameIn(kBackends, b); }
std::string_view Name(BuilderType b) { return NameIn(kBuilders, b); }

std::optional<Precision> ParsePrecision(std::string_view s) { return ParseIn(kPrecisions, s); }
std::optional<DeviceClass> ParseDeviceClass(std::string_view s) { return ParseIn(kDeviceClasses, s); }
std::optional<CenterKind> ParseCenterKind(std::string_view s) { return ParseIn(kKinds, s); }
std::optional<CenterState> ParseCenterState(std::string_view s) { return ParseIn(kStates, s); }
std::optional<Lifecycle> ParseLifecycle(std::string_view s) { return ParseIn(kLifecycles, s); }
std::optional<BackendKind> ParseBackendKind(std::string_view s) { return ParseIn(kBackends, s); }
std::optional<BuilderType> ParseBuilderType(std::string_view s) { return ParseIn(kBuilders, s); }

std::string_view PrecisionNames() { return "fp64, fp32, fp16"; }
std::string_view DeviceClassNames() { return "gpu, npu, dcu, xpu, cpu"; }
std::string_view CenterKindNames() { return "intelligent, super, general, edge"; }
std::string_view CenterStateNames() { return "up, draining, down"; }
std::string_view LifecycleNames() { return "planned, under_construction, in_service, retired"; }
std::string_view BackendKindNames() { return "sim, local, slurm"; }
std::string_view BuilderTypeNames() { return "government, carrier, cloud, other"; }

}  // namespace zhisuan
