#include "store/server_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace zhisuan {

Result<std::unique_ptr<ServerLock>> ServerLock::Acquire(const std::string& db_path) {
  const std::string path = db_path + ".server";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kIo,
                fmt::format("{}: cannot open the server lock: {}", path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder(256, '\0');
    const ssize_t n = ::pread(fd, holder.data(), holder.size(), 0);
    holder.resize(n > 0 ? static_cast<size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Fail(
          ErrorCode::kConflict,
          fmt::format("{}: another zhisuan server is using this database ({}); stop it first, or give "
                      "this one its own --db",
                      db_path, holder.empty() ? "holder unknown" : holder));
    }
    return Fail(ErrorCode::kIo, fmt::format("{}: cannot lock: {}", path, std::strerror(error)));
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto started =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string text =
      fmt::format("pid {} on host {}, started at {} (Unix time)\n", ::getpid(), host, started);
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    return Fail(ErrorCode::kIo, fmt::format("{}: cannot write the server lock", path));
  }
  return std::unique_ptr<ServerLock>(new ServerLock(fd, path));
}

ServerLock::~ServerLock() {
  // The holder's line goes before the lock does, so nobody reads a finished server as the holder.
  [[maybe_unused]] const int rc = ::ftruncate(fd_, 0);
  ::close(fd_);
}

}  // namespace zhisuan
