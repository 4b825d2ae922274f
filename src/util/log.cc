#include "util/log.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <ctime>

namespace zhisuan {
namespace {

std::string_view Name(Log::Level level) {
  switch (level) {
    case Log::Level::kDebug:
      return "debug";
    case Log::Level::kInfo:
      return "info";
    case Log::Level::kWarn:
      return "warn";
    case Log::Level::kError:
      return "error";
    case Log::Level::kCritical:
      return "critical";
  }
  return "info";
}

// A JSON string literal of `s` (quotes included); control characters and invalid bytes are escaped.
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\u{:04x}", c);
        else
          out += ch;
    }
  }
  out += '"';
}

// Text lines stay one line: a newline or control character in a value is escaped as in JSON.
void AppendText(std::string& out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\n')
      out += "\\n";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += ch;
  }
}

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::shared_ptr<spdlog::logger> Plain(std::shared_ptr<spdlog::logger> logger) {
  logger->set_pattern("%v");  // the line is formatted here, whole
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace

std::shared_ptr<Log> Log::ToStderr(Format format, Level min_level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return std::shared_ptr<Log>(
      new Log(Plain(std::make_shared<spdlog::logger>("zhisuan", sink)), format, min_level));
}

std::shared_ptr<Log> Log::ToFile(const std::string& path, Format format, Level min_level) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  return std::shared_ptr<Log>(
      new Log(Plain(std::make_shared<spdlog::logger>("zhisuan", sink)), format, min_level));
}

std::shared_ptr<Log> Log::Null() {
  return std::shared_ptr<Log>(new Log(nullptr, Format::kText, Level::kCritical));
}

bool Log::ParseLevel(std::string_view name, Level& out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kCritical}) {
    if (Name(l) == name) {
      out = l;
      return true;
    }
  }
  return false;
}

void Log::Event(Level level, std::string_view component, std::string_view message, Fields fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(160);
  if (format_ == Format::kJson) {
    line += "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + std::string(Name(level)) + "\",\"component\":";
    AppendJsonString(line, component);
    line += ",\"msg\":";
    AppendJsonString(line, message);
    for (const auto& [key, value] : fields) {
      line += ',';
      AppendJsonString(line, key);
      line += ':';
      AppendJsonString(line, value);
    }
    line += '}';
  } else {
    line += Timestamp();
    line += ' ';
    line += Name(level);
    line += ' ';
    AppendText(line, component);
    line += ": ";
    AppendText(line, message);
    for (const auto& [key, value] : fields) {
      line += ' ';
      AppendText(line, key);
      line += '=';
      AppendText(line, value);
    }
  }
  sink_->info(line);
}

}  // namespace zhisuan
