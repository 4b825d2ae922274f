// util/log.h — structured logs: one line per event on stderr, as text or as JSON, with a level, the component
// that speaks, a message and named fields (a request id, a job id). spdlog does the writing (thread-safe
// sink, level filter); this is the one shape every component logs in. A component gets its Log from whoever
// built it; there is no global logger.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace spdlog {
class logger;
}

namespace zhisuan {

class Log {
 public:
  enum class Level { kDebug, kInfo, kWarn, kError, kCritical };
  enum class Format { kText, kJson };
  using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // Writes to standard error. Events below `min_level` are dropped before they are formatted.
  static std::shared_ptr<Log> ToStderr(Format format, Level min_level);
  // Writes to `path` (appending; the tests read it back).
  static std::shared_ptr<Log> ToFile(const std::string& path, Format format, Level min_level);
  // Writes nothing (tests and tools that do not log).
  static std::shared_ptr<Log> Null();

  bool Enabled(Level level) const { return sink_ != nullptr && level >= min_level_; }
  void Event(Level level, std::string_view component, std::string_view message, Fields fields = {});

  // "debug", "info", "warn", "error"; nullopt-like false return when unknown.
  static bool ParseLevel(std::string_view name, Level& out);

 private:
  Log(std::shared_ptr<spdlog::logger> sink, Format format, Level min_level)
      : sink_(std::move(sink)), format_(format), min_level_(min_level) {}
  std::shared_ptr<spdlog::logger> sink_;
  Format format_;
  Level min_level_;
};

}  // namespace zhisuan
