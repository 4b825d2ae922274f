// The job service's Prometheus metrics: what an operator's Prometheus and Grafana watch (deploy/prometheus
// has the alert rules). Label values are bounded: centers and pools come from the registry, tenants are
// capped at 20.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "lifecycle/live.h"
#include "model/enums.h"

namespace zhisuan::lifecycle {
namespace {

// A label value in Prometheus' text format: backslash, quote and newline escaped.
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string JobService::MetricsText(bool with_tenants) {
  std::string out;
  {
    const Leadership l = Leader();
    Head(out, "zhisuan_leader", "gauge",
         "1 when this replica runs the scheduling loop (always, for one server on SQLite); the replica label "
         "names it.");
    out += fmt::format("zhisuan_leader{{replica=\"{}\"}} {}\n", Label(l.replica_id), l.leading ? 1 : 0);
    Head(out, "zhisuan_leader_epoch", "gauge",
         "The lease's epoch as this replica last read it (one per change of leader).");
    out += fmt::format("zhisuan_leader_epoch {}\n", l.epoch);
    Head(out, "zhisuan_leader_since_seconds", "gauge", "When the current leader took over (Unix time).");
    out += fmt::format("zhisuan_leader_since_seconds {}\n", l.leader_since);
  }
  std::lock_guard lock(mu_);
  const double now = now_();
  std::map<JobState, int64_t> unfinished;
  for (const auto& [id, l] : live_) ++unfinished[l->rec.state];
  Head(out, "zhisuan_jobs", "gauge", "Unfinished jobs by state.");
  for (JobState s : {JobState::kPending, JobState::kPlaced, JobState::kDispatched, JobState::kRunning,
                     JobState::kRequeued}) {
    out += fmt::format("zhisuan_jobs{{state=\"{}\"}} {}\n", Name(s), unfinished[s]);
  }
  Head(out, "zhisuan_jobs_finished_total", "counter", "Jobs that ended since the server started, by state.");
  for (JobState s : {JobState::kSucceeded, JobState::kFailed, JobState::kCancelled}) {
    out += fmt::format("zhisuan_jobs_finished_total{{state=\"{}\"}} {}\n", Name(s), finished_[s]);
  }
  // The 20 tenants with most unfinished jobs by name; the rest summed as "other" (bounded cardinality). For
  // operators only: who runs how much is not public.
  if (with_tenants) {
    std::vector<std::pair<int64_t, std::string>> tenants;
    for (const auto& [tenant, n] : unfinished_) tenants.emplace_back(n, tenant);
    std::ranges::sort(tenants, [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    Head(out, "zhisuan_tenant_unfinished_jobs", "gauge",
         "Unfinished jobs of the 20 busiest tenants; the rest as tenant=\"other\".");
    int64_t other = 0;
    for (size_t i = 0; i < tenants.size(); ++i) {
      if (i < 20) {
        out += fmt::format("zhisuan_tenant_unfinished_jobs{{tenant=\"{}\"}} {}\n", Label(tenants[i].second),
                           tenants[i].first);
      } else {
        other += tenants[i].first;
      }
    }
    if (tenants.size() > 20)
      out += fmt::format("zhisuan_tenant_unfinished_jobs{{tenant=\"other\"}} {}\n", other);
  }

  const placement::Snapshot& net = snapshot();
  Head(out, "zhisuan_center_devices_by_use", "gauge",
       "Devices of a center's pools in service by use now (busy or free).");
  std::vector<int64_t> busy(net.centers().size()), free(net.centers().size()), queued(net.centers().size());
  for (const placement::PoolInfo& p : net.pools()) {
    if (!p.in_service) continue;  // planned or retired: neither busy nor free
    busy[p.center] += p.devices - p.free_devices;
    free[p.center] += p.free_devices;
    queued[p.center] += p.queued_devices;
  }
  for (size_t c = 0; c < net.centers().size(); ++c) {
    const std::string id = Label(net.centers()[c].id);
    out += fmt::format("zhisuan_center_devices_by_use{{center=\"{}\",use=\"busy\"}} {}\n", id, busy[c]);
    out += fmt::format("zhisuan_center_devices_by_use{{center=\"{}\",use=\"free\"}} {}\n", id, free[c]);
  }
  Head(out, "zhisuan_center_queued_devices", "gauge", "Devices that jobs queued for a center's pools want.");
  for (size_t c = 0; c < net.centers().size(); ++c)
    out += fmt::format("zhisuan_center_queued_devices{{center=\"{}\"}} {}\n", Label(net.centers()[c].id),
                       queued[c]);
  Head(out, "zhisuan_center_state", "gauge", "1 for the state a center is in (up, draining, down).");
  for (const placement::CenterInfo& c : net.centers()) {
    const std::string_view state = c.state == CenterState::kUp         ? "up"
                                   : c.state == CenterState::kDraining ? "draining"
                                                                       : "down";
    for (std::string_view s : {"up", "draining", "down"})
      out += fmt::format("zhisuan_center_state{{center=\"{}\",state=\"{}\"}} {}\n", Label(c.id), s,
                         s == state ? 1 : 0);
  }
  Head(out, "zhisuan_center_status", "gauge",
       "1 for a center's lifecycle status (planned, under_construction, in_service, retired; the "
       "registry's).");
  for (const placement::CenterInfo& c : net.centers()) {
    for (const Lifecycle l :
         {Lifecycle::kPlanned, Lifecycle::kBuilding, Lifecycle::kInService, Lifecycle::kRetired}) {
      out += fmt::format("zhisuan_center_status{{center=\"{}\",status=\"{}\"}} {}\n", Label(c.id), Name(l),
                         l == c.status ? 1 : 0);
    }
  }
  Head(out, "zhisuan_backend_up", "gauge", "1 while a center's backend answers its health checks.");
  for (const auto& [center, backend] : backends_)
    out += fmt::format("zhisuan_backend_up{{center=\"{}\",kind=\"{}\"}} {}\n", Label(center), backend->kind(),
                       down_.contains(center) ? 0 : 1);

  Head(out, "zhisuan_pool_queue_jobs", "gauge", "Jobs waiting in a pool's queue (pools with a queue only).");
  std::string oldest;
  for (uint32_t p = 0; p < net.pools().size(); ++p) {
    const size_t n = core_.queue_length(p);
    if (n == 0) continue;
    const std::string labels =
        fmt::format("center=\"{}\",accelerator=\"{}\"", Label(net.centers()[net.pools()[p].center].id),
                    Label(net.accelerators()[net.pools()[p].accelerator].id));
    out += fmt::format("zhisuan_pool_queue_jobs{{{}}} {}\n", labels, n);
    oldest += fmt::format("zhisuan_pool_oldest_wait_seconds{{{}}} {}\n", labels,
                          std::max(0.0, now - core_.job(core_.queue_head(p)).submitted_s));
  }
  Head(out, "zhisuan_pool_oldest_wait_seconds", "gauge",
       "How long the head of a pool's queue has waited since it was submitted.");
  out += oldest;
  Head(out, "zhisuan_scheduler_waiting_jobs", "gauge", "Jobs the scheduler holds, by why they wait.");
  out += fmt::format("zhisuan_scheduler_waiting_jobs{{reason=\"no_candidate\"}} {}\n", core_.pending_jobs());
  out += fmt::format("zhisuan_scheduler_waiting_jobs{{reason=\"quota\"}} {}\n", core_.quota_jobs());
  Head(out, "zhisuan_scheduler_pass_seconds", "summary",
       "Scheduling passes (under the lock: hand jobs to the core, place, commit).");
  out += fmt::format("zhisuan_scheduler_pass_seconds_sum {}\nzhisuan_scheduler_pass_seconds_count {}\n",
                     pass_seconds_sum_, passes_);
  Head(out, "zhisuan_scheduler_pass_seconds_max", "gauge",
       "The longest scheduling pass since the server started.");
  out += fmt::format("zhisuan_scheduler_pass_seconds_max {}\n", pass_seconds_max_);
  Head(out, "zhisuan_store_commit_seconds", "summary", "Commits of job transitions (fsync'd).");
  out += fmt::format("zhisuan_store_commit_seconds_sum {}\nzhisuan_store_commit_seconds_count {}\n",
                     commit_seconds_sum_, commits_);
  Head(out, "zhisuan_store_commit_seconds_max", "gauge",
       "The longest commit of job transitions since the server started.");
  out += fmt::format("zhisuan_store_commit_seconds_max {}\n", commit_seconds_max_);
  Head(out, "zhisuan_device_seconds_total", "counter",
       "Device-seconds of jobs that ended since the server started.");
  out += fmt::format("zhisuan_device_seconds_total {}\n", device_hours_total_ * 3600.0);
  Head(out, "zhisuan_energy_kwh_total", "counter",
       "Facility energy of jobs that ended since the server started.");
  out += fmt::format("zhisuan_energy_kwh_total {}\n", energy_kwh_total_);
  Head(out, "zhisuan_carbon_kg_total", "counter", "Carbon of jobs that ended since the server started.");
  out += fmt::format("zhisuan_carbon_kg_total {}\n", carbon_kg_total_);
  Head(out, "zhisuan_billed_yuan_total", "counter",
       "What jobs that ended since the server started were billed.");
  out += fmt::format("zhisuan_billed_yuan_total {}\n", static_cast<double>(billed_fen_total_) / 100.0);
  return out;
}

}  // namespace zhisuan::lifecycle
