#include "dispatch/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace zhisuan::dispatch {

std::string JobCgroupRoot() {
  for (const char* root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    if (::access((std::string(root) + "/cgroup.procs").c_str(), F_OK) != 0) continue;
    const std::string parent = std::string(root) + "/zhisuan";
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) continue;
    if (::access((parent + "/cgroup.kill").c_str(), W_OK) != 0) continue;
    return parent;
  }
  return {};
}

std::string MakeJobCgroup(const std::string& name) {
  const std::string parent = JobCgroupRoot();
  if (parent.empty()) return {};
  const std::string dir = parent + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno != EEXIST) return {};
    KillJobCgroup(dir);  // left by a dead runner whose pid this one now has
  }
  if (::access((dir + "/cgroup.kill").c_str(), W_OK) != 0) {
    ::rmdir(dir.c_str());
    return {};
  }
  return dir;
}

namespace {

bool WriteControl(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  ::close(fd);
  return ok;
}

}  // namespace

std::string LimitJobMemory(const std::string& unified, const std::string& name, int64_t bytes,
                           bool& enforced) {
  const std::string limit = std::to_string(bytes);
  enforced = !unified.empty() && WriteControl(unified + "/memory.max", limit);
  if (enforced) {
    WriteControl(unified + "/memory.swap.max", "0");  // the limit is not moved to swap
    return {};
  }
  const std::string parent = "/sys/fs/cgroup/memory/zhisuan";
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) return {};
  const std::string dir = parent + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return {};
  enforced = WriteControl(dir + "/memory.limit_in_bytes", limit);
  if (!enforced) {
    ::rmdir(dir.c_str());
    return {};
  }
  WriteControl(dir + "/memory.memsw.limit_in_bytes", limit);  // where swap accounting is on: no swap either
  return dir;
}

void KillJobCgroup(const std::string& cgroup) {
  if (cgroup.empty()) return;
  const int fd = ::open((cgroup + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  [[maybe_unused]] const ssize_t n = ::write(fd, "1", 1);
  ::close(fd);
}

void RemoveJobCgroup(const std::string& cgroup) {
  if (cgroup.empty()) return;
  for (int i = 0; i < 100 && ::rmdir(cgroup.c_str()) != 0 && errno == EBUSY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace zhisuan::dispatch
