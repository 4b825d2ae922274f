// How jobs reach a Slurm cluster. Jobs that share a user, an account and a shape (CPUs, time limit) go in one
// job array: one sbatch, one RPC to the controller for up to kMaxArrayTasks jobs, each task running its own
// job's argv in its own directory. A job alone goes as a plain batch job. Up to kSubmitLanes sbatch run at
// once.
//
// A job's directory SPOOL/NAME is the service's (0711): the batch script, the Slurm id once known
// (`slurm_job_id`: "123" or "123_4") and, for an array task, `array` ("BATCH INDEX", written before sbatch so
// a restarted server finds the task by the array's name). Inside, `work/` is the job user's (0700): the job
// runs there and writes `stdout` and `stderr`; nothing the job can write is read back as a control file.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <tuple>

#include "dispatch/process.h"
#include "dispatch/slurm_backend.h"
#include "dispatch/slurm_text.h"

namespace zhisuan::dispatch {
namespace {

constexpr const char* kWork = "work";

int64_t Minutes(double walltime_s) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(walltime_s / 60)));
}

int64_t MegaBytes(double gb) {
  return gb > 0 ? std::max<int64_t>(1, static_cast<int64_t>(std::ceil(gb * 1024))) : 0;
}

// What one array's jobs must share.
struct Shape {
  int64_t uid = -1, gid = -1;
  std::string account;
  int64_t devices = 1, minutes = 1, memory_mb = 0;
  auto operator<=>(const Shape&) const = default;
};

Result<std::string> ParsedId(const std::vector<std::string>& sbatch, const CommandResult& ran) {
  Result<std::string> out = slurm::Checked(sbatch, ran);
  if (!out) return out;
  const std::string id = out->substr(0, out->find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(ErrorCode::kIo, fmt::format("slurm: sbatch answered '{}'", *out));
  }
  return id;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

std::string SlurmBackend::TaskLines(const DispatchRequest& r) const {
  std::string devices;
  for (int id : r.device_ids) {
    if (!devices.empty()) devices += ',';
    devices += std::to_string(id);
  }
  std::string lines =
      fmt::format("export ZHISUAN_JOB_ID={}\nexport ZHISUAN_DEVICES={}\n", r.job_id, r.devices);
  lines += fmt::format("export ZHISUAN_VISIBLE_DEVICES={0}\nexport CUDA_VISIBLE_DEVICES={0}\n",
                       ShellQuote(devices));
  lines += "exec";
  for (const std::string& arg : r.command) {
    lines += ' ';
    lines += ShellQuote(arg);
  }
  return lines + "\n";
}

std::string SlurmBackend::Header(const std::string& name, const DispatchRequest& r) const {
  std::string h = fmt::format("#!/bin/sh\n#SBATCH --job-name={}\n", name);
  h += fmt::format("#SBATCH --ntasks=1\n#SBATCH --cpus-per-task={}\n#SBATCH --time={}\n", r.devices,
                   Minutes(r.walltime_s));
  if (r.memory_gb > 0) h += fmt::format("#SBATCH --mem={}M\n", MegaBytes(r.memory_gb));
  if (!o_.partition.empty()) h += fmt::format("#SBATCH --partition={}\n", o_.partition);
  return h;
}

std::string SlurmBackend::BatchScript(const DispatchRequest& r) const {
  const std::filesystem::path work = JobDir(r.name) / kWork;
  std::string script = Header(r.name, r);
  script += fmt::format("#SBATCH --output={}\n#SBATCH --error={}\n#SBATCH --chdir={}\n",
                        (work / "stdout").string(), (work / "stderr").string(), work.string());
  return script + TaskLines(r);
}

std::string SlurmBackend::ArrayScript(const std::string& batch,
                                      const std::vector<const DispatchRequest*>& rs) const {
  std::string script = Header(batch, *rs.front());
  script += fmt::format("#SBATCH --output=/dev/null\n#SBATCH --error=/dev/null\n#SBATCH --chdir={}\n",
                        o_.spool.string());
  script += fmt::format("#SBATCH --array=0-{}\n", rs.size() - 1);
  script += "case \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (size_t k = 0; k < rs.size(); ++k) {
    const std::filesystem::path work = JobDir(rs[k]->name) / kWork;
    script += fmt::format("{})\ncd {} || exit 1\nexec >stdout 2>stderr\n", k, ShellQuote(work.string()));
    script += TaskLines(*rs[k]) + ";;\n";
  }
  return script + "esac\necho \"zhisuan: no task $SLURM_ARRAY_TASK_ID in this array\" >&2\nexit 1\n";
}

// The job's Slurm id in its directory, and the way back from the id to the job (SPOOL/.ids/ID holds the
// name): what Logs reads, in the service's files only.
void SlurmBackend::Record(const std::string& name, const std::string& handle) const {
  WriteFile(JobDir(name) / "slurm_job_id", handle + "\n");
  std::error_code ec;
  std::filesystem::create_directories(o_.spool / kIdsDir, ec);
  WriteFile(o_.spool / kIdsDir / handle, name + "\n");
}

Status SlurmBackend::Check(const DispatchRequest& r) const {
  if (r.command.empty()) {
    return Fail(ErrorCode::kValidation, "command: a job for a Slurm center needs a command (an argv array)");
  }
  for (const std::string& arg : r.command) {
    if (arg.find('\n') != std::string::npos || arg.find('\0') != std::string::npos) {
      return Fail(ErrorCode::kValidation,
                  "command: arguments for a Slurm center must not contain line breaks");
    }
  }
  if (r.name.empty()) return Fail(ErrorCode::kInvalidArgument, "slurm: a job needs a name");
  for (char c : r.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("slurm: '{}' is not a job name", r.name));
    }
  }
  if (!o_.users.Runs(r.tenant)) {
    return Fail(
        ErrorCode::kValidation,
        fmt::format("tenant '{}' has no Unix user for Slurm centers (the backends file's tenants: {}: "
                    "{{user: NAME}}); jobs never run as the service's user",
                    r.tenant, r.tenant.empty() ? "TENANT" : r.tenant));
  }
  return {};
}

const UnixUser* SlurmBackend::UserOf(const std::string& tenant) const {
  auto it = o_.users.by_tenant.find(tenant);
  return it == o_.users.by_tenant.end() ? nullptr : &it->second;
}

Status SlurmBackend::MakeJobDir(const std::filesystem::path& dir, const UnixUser* user) const {
  const std::filesystem::path work = dir / kWork;
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  if (ec)
    return Fail(ErrorCode::kIo, fmt::format("slurm: cannot create {}: {}", work.string(), ec.message()));
  // The directory is the service's: the job may enter it (to reach work/) but not list or change it.
  ::chmod(dir.c_str(), 0711);
  ::chmod(work.c_str(), 0700);
  if (user != nullptr && ::chown(work.c_str(), user->uid, user->gid) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("slurm: cannot give {} to user {}: {}", work.string(), user->name,
                                            std::strerror(errno)));
  }
  return {};
}

std::vector<std::string> SlurmBackend::Sbatch(const UnixUser* user,
                                              const std::filesystem::path& script) const {
  std::vector<std::string> sbatch = {"sbatch", "--parsable"};
  if (user != nullptr) {
    // Slurm starts the job as that user (its owner in squeue) and charges the tenant's account.
    sbatch.push_back(fmt::format("--uid={}", user->uid));
    sbatch.push_back(fmt::format("--gid={}", user->gid));
    if (!user->account.empty()) sbatch.push_back("--account=" + user->account);
  }
  sbatch.push_back(script.string());
  return sbatch;
}

// One sbatch; kRateLimited (and nothing left behind in `dirs`) when the cluster refuses new jobs for now.
// When the cluster is full (MaxJobCount: "sleeping and retrying") or job creation is disabled for a while
// ("temporarily disabled, retrying"), sbatch says so and retries for up to two minutes by itself: it is given
// up on at once (nothing was submitted when it says so), so the service keeps the jobs placed and decides
// when to try again.
Result<std::string> SlurmBackend::RunSbatch(const std::vector<std::string>& sbatch,
                                            const std::vector<std::filesystem::path>& dirs) const {
  Result<CommandResult> ran =
      RunCommand(sbatch, {"SLURM_CONF=" + o_.slurm_conf.string()}, o_.command_timeout_s, "retrying");
  if (!ran) return Fail(ErrorCode::kIo, fmt::format("slurm: {}", ran.error().message));
  if (ran->gave_up || (ran->exit_code != 0 && slurm::Refused(ran->err))) {
    std::error_code ec;
    for (const std::filesystem::path& dir : dirs)
      std::filesystem::remove_all(dir, ec);  // nothing was submitted
    return Fail(ErrorCode::kRateLimited,
                fmt::format("slurm: the cluster refuses new jobs for now ({})", slurm::FirstLine(ran->err)));
  }
  return ParsedId(sbatch, *ran);
}

Result<std::string> SlurmBackend::SubmitOne(const DispatchRequest& r) const {
  const std::filesystem::path dir = JobDir(r.name);
  const UnixUser* user = UserOf(r.tenant);
  if (Status s = MakeJobDir(dir, user); !s) return std::unexpected(s.error());
  WriteFile(dir / "job.sh", BatchScript(r));
  Result<std::string> id = RunSbatch(Sbatch(user, dir / "job.sh"), {dir});
  if (id) Record(r.name, *id);
  return id;
}

std::vector<Result<std::string>> SlurmBackend::SubmitArray(
    const std::vector<const DispatchRequest*>& rs) const {
  const std::string batch = rs.front()->name + "-array";
  const std::filesystem::path batch_dir = JobDir(batch);
  const UnixUser* user = UserOf(rs.front()->tenant);
  std::vector<std::filesystem::path> dirs = {batch_dir};
  std::error_code ec;
  std::filesystem::create_directories(batch_dir, ec);
  Status made =
      ec ? Fail(ErrorCode::kIo, fmt::format("slurm: cannot create {}: {}", batch_dir.string(), ec.message()))
         : Status{};
  for (size_t k = 0; made && k < rs.size(); ++k) {
    dirs.push_back(JobDir(rs[k]->name));
    made = MakeJobDir(dirs.back(), user);
    if (made) WriteFile(dirs.back() / "array", fmt::format("{} {}\n", batch, k));
  }
  Result<std::string> id = std::string();
  if (made) {
    WriteFile(batch_dir / "array.sh", ArrayScript(batch, rs));
    id = RunSbatch(Sbatch(user, batch_dir / "array.sh"), dirs);
  } else {
    for (const std::filesystem::path& dir : dirs) std::filesystem::remove_all(dir, ec);
    id = std::unexpected(made.error());
  }
  std::vector<Result<std::string>> out;
  for (size_t k = 0; k < rs.size(); ++k) {
    if (!id) {
      out.push_back(std::unexpected(id.error()));
      continue;
    }
    const std::string handle = fmt::format("{}_{}", *id, k);
    Record(rs[k]->name, handle);
    out.push_back(handle);
  }
  return out;
}

// A cluster near its MaxJobCount refuses an array larger than its room (every task counts) but may take
// fewer: a refused array is halved until a part is taken or a single job is refused.
std::vector<Result<std::string>> SlurmBackend::SubmitSplitting(
    const std::vector<const DispatchRequest*>& rs) const {
  if (rs.size() == 1) return {SubmitOne(*rs.front())};
  std::vector<Result<std::string>> out = SubmitArray(rs);
  if (out.front() || out.front().error().code != ErrorCode::kRateLimited) return out;
  const auto half = static_cast<std::ptrdiff_t>(rs.size() / 2);
  out = SubmitSplitting({rs.begin(), rs.begin() + half});
  if (!out.back() && out.back().error().code == ErrorCode::kRateLimited) {
    out.resize(rs.size(), out.back());
    return out;
  }
  std::vector<Result<std::string>> rest = SubmitSplitting({rs.begin() + half, rs.end()});
  out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  return out;
}

Result<std::string> SlurmBackend::Submit(const DispatchRequest& r) { return SubmitMany({r}).front(); }

std::vector<Result<std::string>> SlurmBackend::SubmitMany(const std::vector<DispatchRequest>& requests) {
  std::vector<Result<std::string>> out(requests.size(), std::string());
  // Jobs to submit, grouped by what an array shares; the rest are answered here.
  std::map<Shape, std::vector<size_t>> groups;
  for (size_t i = 0; i < requests.size(); ++i) {
    const DispatchRequest& r = requests[i];
    if (Status s = Check(r); !s) {
      out[i] = std::unexpected(s.error());
      continue;
    }
    // The job's directory is made before sbatch runs: without it no earlier attempt can have submitted the
    // job, and the lookup by name (a squeue) is skipped.
    std::error_code ec;
    if (std::filesystem::exists(JobDir(r.name), ec)) {
      Result<std::optional<std::string>> found = Find(r.name);
      if (!found || found->has_value()) {
        out[i] = found ? Result<std::string>(**found) : std::unexpected(found.error());
        continue;
      }
    }
    const UnixUser* user = UserOf(r.tenant);
    Shape shape{-1, -1, "", r.devices, Minutes(r.walltime_s), MegaBytes(r.memory_gb)};
    if (user != nullptr) {
      shape = {user->uid, user->gid, user->account, r.devices, Minutes(r.walltime_s), MegaBytes(r.memory_gb)};
    }
    groups[shape].push_back(i);
  }
  std::vector<std::vector<size_t>> chunks;
  for (auto& [shape, group] : groups) {
    for (size_t from = 0; from < group.size(); from += kMaxArrayTasks) {
      chunks.emplace_back(
          group.begin() + static_cast<std::ptrdiff_t>(from),
          group.begin() + static_cast<std::ptrdiff_t>(std::min(group.size(), from + kMaxArrayTasks)));
    }
  }
  // Up to kSubmitLanes sbatch at once; once the cluster refuses, the chunks not yet started are not tried.
  std::atomic<size_t> next{0};
  std::atomic<bool> refused{false};
  auto lane = [&] {
    for (size_t c = next.fetch_add(1); c < chunks.size(); c = next.fetch_add(1)) {
      const std::vector<size_t>& chunk = chunks[c];
      if (refused.load()) {
        for (size_t i : chunk) out[i] = std::unexpected(Error{ErrorCode::kRateLimited, kNotTried});
        continue;
      }
      std::vector<const DispatchRequest*> rs;
      for (size_t i : chunk) rs.push_back(&requests[i]);
      std::vector<Result<std::string>> answers = SubmitSplitting(rs);
      for (size_t k = 0; k < chunk.size(); ++k) {
        if (!answers[k] && answers[k].error().code == ErrorCode::kRateLimited) refused.store(true);
        out[chunk[k]] = std::move(answers[k]);
      }
    }
  };
  const size_t lanes = std::min<size_t>(chunks.size(), kSubmitLanes);
  std::vector<std::future<void>> running;
  for (size_t l = 1; l < lanes; ++l) running.push_back(std::async(std::launch::async, lane));
  lane();
  for (auto& f : running) f.get();
  return out;
}

Result<std::optional<std::string>> SlurmBackend::Find(const std::string& name) {
  const std::filesystem::path dir = JobDir(name);
  std::string id;
  if (std::ifstream recorded(dir / "slurm_job_id"); recorded >> id && slurm::IsJobHandle(id)) {
    return std::optional<std::string>(id);
  }
  // Submitted, but the server died before recording the id: the job's name (or its array's, and its index
  // there) finds it while Slurm knows it.
  std::string batch, index;
  std::ifstream pointer(dir / "array");
  const bool in_array = static_cast<bool>(pointer >> batch >> index);
  const std::string wanted = in_array ? batch : name;
  std::string found;
  Result<std::string> out = Run({"squeue", "-h", "-n", wanted, "-o", in_array ? "%F" : "%i"});
  if (!out) return std::unexpected(out.error());
  std::istringstream in(*out);
  if (in >> id) found = in_array ? id + "_" + index : id;
  if (found.empty() && !o_.jobcomp.empty()) {
    std::ifstream comp(o_.jobcomp);
    const std::string needle = fmt::format("Name={} ", wanted);
    for (std::string line; found.empty() && std::getline(comp, line);) {
      if ((line + " ").find(needle) == std::string::npos) continue;
      found = in_array ? slurm::Field(line, "ArrayJobId") + "_" + index : slurm::Field(line, "JobId");
    }
  }
  if (!slurm::IsJobHandle(found)) return std::optional<std::string>();
  Record(name, found);  // recorded now, for the next lookup and for Logs
  return std::optional<std::string>(found);
}

}  // namespace zhisuan::dispatch
