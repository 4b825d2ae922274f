// util/json.h — the one strict path from untrusted text to a JSON value: bounded size and depth (checked
// before and during parsing), valid UTF-8, and a duplicate key is an error rather than a silent
// last-one-wins.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "util/error.h"
#include "util/limits.h"

namespace zhisuan {

// Parses `text` as one JSON document. Errors are kParse with "`label`: " first (nothing when empty), e.g.
// "request body: duplicate key 'kind' in an object at byte 31".
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view label,
                                 const InputLimits& limits = kUntrustedInput);

}  // namespace zhisuan
