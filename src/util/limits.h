// util/limits.h — bounds checked on untrusted text before any parser sees it, so that no input drives
// recursion or allocation past a fixed limit (Envoy's codec limits). Cheap linear scans, no allocation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan {

struct InputLimits {
  size_t max_bytes = 8 << 20;  // a job spec is a few hundred bytes; index data a few MB at most
  int max_depth = 64;          // nesting of [ and { (flow collections in YAML, arrays and objects in JSON)
};

// The default limits for documents that reach the platform from outside (HTTP bodies, spec files, traces).
inline constexpr InputLimits kUntrustedInput{};

// Fails (kParse, message starting with "`label`: " unless `label` is empty) when `text` is larger than
// `limits.max_bytes`, nests [ and { deeper than `limits.max_depth` outside quoted strings (JSON and YAML
// quoting: "..." with \ escapes,
// '...' with '' escapes, # comments), or is not valid UTF-8.
Status CheckUntrusted(std::string_view text, std::string_view label,
                      const InputLimits& limits = kUntrustedInput);

// The byte offset of the first invalid UTF-8 sequence (overlong forms, surrogates and code points past
// U+10FFFF are invalid), or npos when `text` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view text);

// True when `text` has an ASCII control character (below 0x20, or 0x7f); tabs count as control characters.
bool HasControlCharacter(std::string_view text);

// `text` made safe to keep and show: every byte of an invalid UTF-8 sequence and every control character
// replaced by '?', and cut to at most `max_bytes` without splitting a character (the audit log stores what
// callers sent in paths and bodies; a terminal and a JSON encoder read it back).
std::string Printable(std::string_view text, size_t max_bytes);

}  // namespace zhisuan
