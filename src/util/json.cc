#include "util/json.h"

#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

namespace zhisuan {

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view label_text,
                                 const InputLimits& limits) {
  const std::string label = label_text.empty() ? std::string() : std::string(label_text) + ": ";
  if (Status s = CheckUntrusted(text, label_text, limits); !s) return std::unexpected(s.error());
  // The pre-scan bounds the depth; the callback checks it again exactly (the parser's own depth) and keeps
  // the keys of every open object to find duplicates.
  std::vector<std::set<std::string>> keys;
  std::string problem;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (!problem.empty()) return false;
    if (depth > limits.max_depth) {
      problem = fmt::format("nested deeper than {} levels", limits.max_depth);
      return false;
    }
    switch (event) {
      case Event::object_start:
        keys.emplace_back();
        break;
      case Event::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Event::key:
        if (!keys.empty() && !keys.back().insert(parsed.get_ref<const std::string&>()).second) {
          problem = fmt::format("duplicate key '{}' in an object", parsed.get_ref<const std::string&>());
          return false;
        }
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep what follows
    // the bracketed id.
    std::string what = e.what();
    if (const size_t close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
    return Fail(ErrorCode::kParse, fmt::format("{}malformed JSON: {}", label, what));
  }
  if (!problem.empty()) return Fail(ErrorCode::kParse, label + problem);
  return value;
}

}  // namespace zhisuan
