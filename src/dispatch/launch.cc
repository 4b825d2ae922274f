#include "dispatch/launch.h"

#include <charconv>
#include <cmath>

namespace zhisuan::dispatch {
namespace {

constexpr std::string_view kMagic = "zhisuan-launch-3";  // -2: the same without the memory limit

}  // namespace

std::string EncodeLaunch(const Launch& launch) {
  std::string out(kMagic);
  out += '\0';
  char number[64];
  auto [end, ec] = std::to_chars(number, number + sizeof number, launch.walltime_s);
  out.append(number, ec == std::errc() ? end : number);
  out += '\0';
  out += std::to_string(launch.uid);
  out += '\0';
  out += std::to_string(launch.gid);
  out += '\0';
  out += std::to_string(launch.memory_bytes);
  out += '\0';
  for (const auto* list : {&launch.argv, &launch.env}) {
    out += std::to_string(list->size());
    out += '\0';
    for (const std::string& s : *list) {
      out += s;
      out += '\0';
    }
  }
  return out;
}

std::optional<Launch> DecodeLaunch(std::string_view bytes) {
  size_t pos = 0;
  auto next = [&]() -> std::optional<std::string_view> {
    const size_t end = bytes.find('\0', pos);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view field = bytes.substr(pos, end - pos);
    pos = end + 1;
    return field;
  };
  auto count = [&]() -> std::optional<size_t> {
    const auto field = next();
    size_t n = 0;
    if (!field || std::from_chars(field->data(), field->data() + field->size(), n).ec != std::errc() ||
        n > 100'000) {
      return std::nullopt;
    }
    return n;
  };
  const auto magic = next();
  if (magic != kMagic && magic != "zhisuan-launch-2") return std::nullopt;
  Launch launch;
  const auto wall = next();
  if (!wall ||
      std::from_chars(wall->data(), wall->data() + wall->size(), launch.walltime_s).ec != std::errc() ||
      !std::isfinite(launch.walltime_s) || launch.walltime_s <= 0) {
    return std::nullopt;
  }
  for (int64_t* id : {&launch.uid, &launch.gid}) {
    const auto field = next();
    if (!field || std::from_chars(field->data(), field->data() + field->size(), *id).ec != std::errc() ||
        *id < -1 || *id > 0xfffffffe) {
      return std::nullopt;
    }
  }
  if (magic == kMagic) {
    const auto field = next();
    if (!field ||
        std::from_chars(field->data(), field->data() + field->size(), launch.memory_bytes).ec !=
            std::errc() ||
        launch.memory_bytes < 0) {
      return std::nullopt;
    }
  }
  for (auto* list : {&launch.argv, &launch.env}) {
    const auto n = count();
    if (!n) return std::nullopt;
    for (size_t i = 0; i < *n; ++i) {
      const auto field = next();
      if (!field) return std::nullopt;
      list->emplace_back(*field);
    }
  }
  if (launch.argv.empty() || pos != bytes.size()) return std::nullopt;
  return launch;
}

}  // namespace zhisuan::dispatch
