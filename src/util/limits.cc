#include "util/limits.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>

namespace zhisuan {
namespace {

// (line, column) of a byte offset, both from 1, for error messages.
std::pair<size_t, size_t> LineColumn(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // a continuation byte first, 0xc0/0xc1 (always overlong) or past 0xf4
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

bool HasControlCharacter(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string Printable(std::string_view text, size_t max_bytes) {
  std::string out(text.substr(0, max_bytes + 4));  // room to finish a character cut at the limit
  for (size_t at = FindInvalidUtf8(out); at != std::string::npos; at = FindInvalidUtf8(out)) out[at] = '?';
  for (char& ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) ch = '?';
  }
  if (out.size() > max_bytes) {
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;  // a continuation byte
    out.resize(end);
  }
  return out;
}

Status CheckUntrusted(std::string_view text, std::string_view label_text, const InputLimits& limits) {
  const std::string label = label_text.empty() ? std::string() : std::string(label_text) + ": ";
  if (text.size() > limits.max_bytes) {
    return Fail(ErrorCode::kParse, fmt::format("{}too large ({} bytes; the limit is {} bytes)", label,
                                               text.size(), limits.max_bytes));
  }
  if (const size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    const auto [line, column] = LineColumn(text, bad);
    return Fail(ErrorCode::kParse,
                fmt::format("{}invalid UTF-8 at line {}, column {} (byte {})", label, line, column, bad));
  }
  int depth = 0;
  char quote = 0;  // the open quote, or 0 outside a string
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (comment) {
      comment = c != '\n';
    } else if (quote == '"') {
      if (c == '\\')
        ++i;  // the escaped character cannot close the string
      else if (c == '"')
        quote = 0;
    } else if (quote == '\'') {
      if (c == '\'') quote = 0;  // YAML's '' escape reopens at once: same depth either way
    } else if (c == '"' || c == '\'') {
      // In YAML a quote starts a quoted scalar only where a scalar starts; inside a plain scalar (it's) it is
      // a letter. Treating it as a quote only after a delimiter keeps "it's" from hiding the brackets after
      // it. (yaml-cpp's own depth guard stays behind this check for what a plain scalar could still hide.)
      const char before = i == 0 ? ' ' : text[i - 1];
      if (before == ' ' || before == '\t' || before == '\n' || before == '\r' || before == '[' ||
          before == '{' || before == ',' || before == ':' || before == '-')
        quote = c;
    } else if (c == '#') {
      const char before = i == 0 ? ' ' : text[i - 1];
      comment = before == ' ' || before == '\t' || before == '\n';
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        const auto [line, column] = LineColumn(text, i);
        return Fail(ErrorCode::kParse, fmt::format("{}nested deeper than {} levels at line {}, column {}",
                                                   label, limits.max_depth, line, column));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

}  // namespace zhisuan
