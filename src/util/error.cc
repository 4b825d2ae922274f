#include "util/error.h"

namespace zhisuan {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kParse:
      return "parse_error";
    case ErrorCode::kValidation:
      return "validation_error";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kStore:
      return "store_error";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
    case ErrorCode::kValidation:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kIo:
    case ErrorCode::kStore:
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
  }
  return 500;
}

int ExitCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kParse:
    case ErrorCode::kValidation:
      return 3;
    case ErrorCode::kNotFound:
      return 4;
    case ErrorCode::kConflict:
      return 6;
    case ErrorCode::kIo:
    case ErrorCode::kStore:
      return 5;
    case ErrorCode::kInternal:
      return 1;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return 7;
    case ErrorCode::kRateLimited:
      return 8;
    case ErrorCode::kUnavailable:
      return 9;
  }
  return 1;
}

}  // namespace zhisuan
