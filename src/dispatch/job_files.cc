#include "dispatch/job_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zhisuan::dispatch {

std::string Tail(const std::filesystem::path& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return {};
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
    const auto size = static_cast<size_t>(st.st_size);
    const size_t from = size > max_bytes ? size - max_bytes : 0;
    out.resize(size - from);
    const ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(from));
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  return out;
}

}  // namespace zhisuan::dispatch
