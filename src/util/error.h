// util/error.h — the one error type of zhisuan and its mapping to HTTP statuses and CLI exit codes.
// Bad input is a value, never a crash: every fallible function returns Result<T>.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace zhisuan {

// Stable error codes. Their names appear in JSON error bodies; never renumber or rename.
enum class ErrorCode {
  kInvalidArgument,   // a request or command-line value is wrong
  kParse,             // a document could not be parsed (YAML, JSON, CSV)
  kValidation,        // a document parsed but a field is missing, mistyped or out of range
  kNotFound,          // the named object does not exist
  kConflict,          // the request contradicts existing state
  kIo,                // a file could not be read or written
  kStore,             // the database failed or is corrupt
  kInternal,          // a bug in zhisuan
  kUnauthenticated,   // no valid API token
  kPermissionDenied,  // the token's role or tenant may not do this
  kRateLimited,       // a rate or count limit is reached: try again later
  kUnavailable,       // the database cannot be reached (or this replica may not act now): try again later
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // human-readable, names the field path and the problem
};

template <typename T>
using Result = std::expected<T, Error>;

// Status is Result<void>: success carries no value.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// Stable lowercase name, e.g. "invalid_argument".
std::string_view ErrorCodeName(ErrorCode code);

// HTTP status for an error answered by the server: 400, 401, 403, 404, 409, 429, 500 or 503.
int HttpStatus(ErrorCode code);

// Process exit code for an error reported by the CLI: 2 usage, 3 data, 4 not found, 5 io/store, 6 conflict,
// 7 unauthenticated or denied, 8 rate-limited, 9 unavailable, 1 internal.
int ExitCode(ErrorCode code);

}  // namespace zhisuan
