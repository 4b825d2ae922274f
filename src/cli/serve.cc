#include "cli/serve.h"

#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/common.h"
#include "dispatch/cgroup.h"
#include "lifecycle/backends.h"
#include "lifecycle/service.h"
#include "store/job_store.h"
#include "store/leader_lease.h"
#include "store/sql.h"

namespace zhisuan::cli {

namespace {

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int Serve(const Registry& registry, int schema_version, const ServerOptions& options,
          const JobOptions& job_options) {
  const std::shared_ptr<Log> log = options.log ? options.log : Log::Null();
  // glibc gives memory back to the kernel as soon as a thread's heap has 128 KB free at its top: under load
  // that is a madvise and a TLB shootdown across cores many times a second (13% of the CPU, and half the
  // submission rate on a 2-core VM: 3,200 vs 7,100 jobs/s, bench/README.md). Keep up to 256 MB and grow heaps
  // by 64 MB.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  // Block the termination signals before any server thread exists, so only the waiter below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::unique_ptr<JobStore>> store = JobStore::Open(job_options.db);
  if (!store) return Report(store.error());
  std::string backends_text;
  if (!job_options.backends_file.empty()) {
    Result<std::string> text = ReadInput(job_options.backends_file, "the backends file");
    if (!text) return Report(text.error());
    backends_text = std::move(*text);
  }
  if (job_options.sim_factor > 0) backends_text += fmt::format("\nsim_factor: {}\n", job_options.sim_factor);
  const bool replicated = sql::IsPostgresUrl(job_options.db);
  std::string state_dir = job_options.state_dir;
  if (state_dir.empty()) {
    state_dir = replicated ? std::filesystem::absolute("zhisuan-state").string()
                           : std::filesystem::absolute(job_options.db).parent_path().string();
  }
  if (std::error_code ec; !std::filesystem::create_directories(state_dir, ec) && ec) {
    return Report(
        {ErrorCode::kIo, fmt::format("--state-dir: cannot create {}: {}", state_dir, ec.message())});
  }
  Result<lifecycle::BackendMap> backends = lifecycle::MakeBackends(
      registry, job_options.backends_file.empty() ? "--sim-factor" : job_options.backends_file, backends_text,
      state_dir, WallNow);
  if (!backends) return Report(backends.error());
  if (std::any_of(registry.centers().begin(), registry.centers().end(),
                  [](const Center& c) { return c.backend == BackendKind::kLocal; })) {
    if (const std::string cgroups = dispatch::JobCgroupRoot(); cgroups.empty()) {
      log->Event(
          Log::Level::kWarn, "dispatch",
          "no writable cgroup2 hierarchy with cgroup.kill: local jobs end through their process group only "
          "(a child that calls setsid can outlive its job)");
    } else {
      log->Event(Log::Level::kInfo, "dispatch", "every process of a local job is contained in its cgroup",
                 {{"cgroups", cgroups}});
    }
  }
  lifecycle::ServiceOptions service_options;
  service_options.log = log;
  service_options.default_max_priority = job_options.tenant_max_priority;
  service_options.default_submissions_per_s = job_options.tenant_rate;
  service_options.default_max_pending = job_options.tenant_max_pending;
  service_options.integrity_interval_s = job_options.integrity_interval_s;
  service_options.policy = options.policy;
  if (auto kind = placement::ParseObjective(options.objective)) service_options.objective.kind = *kind;
  service_options.objective.carbon_price_cny_per_t = registry.placement().carbon_price_cny_per_t;
  // Replicas: one lease in the database elects the scheduler; a replica that loses it leaves (exit 75) for
  // its supervisor to start it again as a follower.
  std::atomic<bool> lost_lease{false};
  std::function<void()> stop_server;  // set once the server exists
  std::mutex stop_mu;
  if (replicated) {
    Result<std::unique_ptr<LeaderLease>> lease = LeaderLease::Open(job_options.db);
    if (!lease) return Report(lease.error());
    service_options.lease = std::move(*lease);
    service_options.lease_s = job_options.lease_s;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    uint32_t nonce = 0;
    if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce) nonce = static_cast<uint32_t>(::getpid());
    service_options.replica_id = fmt::format("{}-{}-{:08x}", host, ::getpid(), nonce);
    service_options.on_lost_lease = [&] {
      lost_lease = true;
      std::lock_guard lock(stop_mu);
      if (stop_server) stop_server();
    };
  }
  Result<std::unique_ptr<lifecycle::JobService>> jobs =
      lifecycle::JobService::Create(registry, **store, std::move(*backends), service_options, WallNow);
  if (!jobs) return Report(jobs.error());
  if (Status s = (*jobs)->Start(); !s) return Report(s.error());
  auto server = HttpServer::Create(registry, schema_version, options, jobs->get());
  if (!server) return Report(server.error());
  (*jobs)->SetAdvertise(!job_options.advertise.empty()
                            ? job_options.advertise
                            : fmt::format("http://{}:{}", options.host, (*server)->port()));
  {
    std::lock_guard lock(stop_mu);
    stop_server = [&] { (*server)->Stop(); };
    if (lost_lease) stop_server();
  }
  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (!stopping.exchange(true)) {
      fmt::print(stderr, "zhisuan: {} received, shutting down\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    (*server)->Stop();
  });
  fmt::print("zhisuan serving {} centers on http://{}:{}/\n", registry.centers().size(), options.host,
             (*server)->port());
  log->Event(Log::Level::kInfo, "server", "listening",
             {{"host", options.host},
              {"port", std::to_string((*server)->port())},
              {"db", sql::Redacted(job_options.db)}});
  std::fflush(stdout);
  (*server)->Run();
  if (!stopping.exchange(true)) pthread_kill(waiter.native_handle(), SIGTERM);  // wake the waiter
  waiter.join();
  {
    std::lock_guard lock(stop_mu);
    stop_server = nullptr;
  }
  (*jobs)->Stop();
  if (lost_lease) {
    fmt::print(stderr, "zhisuan: another replica took over the scheduling; leaving (restart me to follow)\n");
    log->Event(Log::Level::kWarn, "server", "stopped: lost the lease");
    return 75;  // EX_TEMPFAIL
  }
  log->Event(Log::Level::kInfo, "server", "stopped");
  return 0;
}

}  // namespace zhisuan::cli
