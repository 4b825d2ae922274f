// dispatch/cgroup.h — where a local job's processes are contained: a cgroup v2 directory per job, so that
// every process of the job (a grandchild that called setsid, a child that ignores SIGTERM) ends with it
// through cgroup.kill. Hybrid hosts mount cgroup2 at /sys/fs/cgroup/unified, pure v2 hosts at /sys/fs/cgroup.
// Used by zhisuan-runner (which must not allocate between fork and exec: these run before the fork) and by
// the server, which says at start-up whether jobs are contained.
#pragma once

#include <cstdint>
#include <string>

namespace zhisuan::dispatch {

// ROOT/zhisuan, created when missing, where a child directory with a writable cgroup.kill can be made; empty
// when there is none (no cgroup2, read-only, or not permitted): the process group is then the only fallback.
std::string JobCgroupRoot();

// A new cgroup directory for the job named `name` under JobCgroupRoot(), or empty. `name` must be unique
// among the live jobs of the host (the runner adds its pid): a directory of that name can only be left by a
// dead runner, and whatever still runs in it is killed before it is reused.
std::string MakeJobCgroup(const std::string& name);

// Limits the job's memory to `bytes`: memory.max of its `unified` cgroup where that hierarchy has the memory
// controller (pure cgroup v2 hosts); otherwise a cgroup named `name` in the v1 memory hierarchy
// (/sys/fs/cgroup/memory/zhisuan/, hybrid hosts), whose path is returned for the job to join (and removed
// with RemoveJobCgroup). `enforced` says whether either holds the limit.
std::string LimitJobMemory(const std::string& unified, const std::string& name, int64_t bytes,
                           bool& enforced);

// Kills every process in `cgroup` (no-op for an empty path); removes the directory once it is empty.
void KillJobCgroup(const std::string& cgroup);
void RemoveJobCgroup(const std::string& cgroup);

}  // namespace zhisuan::dispatch
