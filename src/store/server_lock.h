// store/server_lock.h — one server per database: an exclusive lock on DB.server held for the server's life.
// The lock file says who holds it (pid, host, start time), so a second server can name the holder when it
// refuses to start. The kernel drops the lock when the holder dies (kill -9 included): no stale locks.
#pragma once

#include <memory>
#include <string>

#include "util/error.h"

namespace zhisuan {

class ServerLock {
 public:
  // Takes the lock for the database at `db_path` or fails with kConflict naming the holder.
  static Result<std::unique_ptr<ServerLock>> Acquire(const std::string& db_path);
  ~ServerLock();
  ServerLock(const ServerLock&) = delete;
  ServerLock& operator=(const ServerLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  ServerLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace zhisuan
