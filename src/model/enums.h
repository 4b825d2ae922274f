// model/enums.h — names of the model's enums as they appear in data files, JSON and the CLI.
#pragma once

#include <optional>
#include <string_view>

#include "model/types.h"

namespace zhisuan {

std::string_view Name(Precision p);
std::string_view Name(DeviceClass c);
std::string_view Name(CenterKind k);
std::string_view Name(CenterState s);
std::string_view Name(Lifecycle l);
std::string_view Name(BackendKind b);
std::string_view Name(BuilderType b);

// Parsers return nullopt for an unknown name; callers report the field and the accepted names.
std::optional<Precision> ParsePrecision(std::string_view s);
std::optional<DeviceClass> ParseDeviceClass(std::string_view s);
std::optional<CenterKind> ParseCenterKind(std::string_view s);
std::optional<CenterState> ParseCenterState(std::string_view s);
std::optional<Lifecycle> ParseLifecycle(std::string_view s);
std::optional<BackendKind> ParseBackendKind(std::string_view s);
std::optional<BuilderType> ParseBuilderType(std::string_view s);

// "fp64, fp32, fp16" and so on, for error messages.
std::string_view PrecisionNames();
std::string_view DeviceClassNames();
std::string_view CenterKindNames();
std::string_view CenterStateNames();
std::string_view LifecycleNames();
std::string_view BackendKindNames();
std::string_view BuilderTypeNames();

}  // namespace zhisuan
