#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "cli/admin.h"
#include "cli/client.h"
#include "cli/common.h"
#include "cli/index_command.h"
#include "cli/render.h"
#include "cli/serve.h"
#include "cli/sim_command.h"
#include "placement/snapshot.h"
#include "server/quote_view.h"
#include "store/registry_source.h"
#include "store/server_lock.h"
#include "store/sql.h"

namespace zhisuan::cli {
namespace {

struct Options {
  std::string db = "zhisuan.db";
  std::string data;
  bool reload = false;
  bool init = false;
  bool json = false;
  ServerOptions server;
  views::Params filters;  // centers filters and stats parameters
  std::string center_id;
  std::string spec_file;
};

std::string DefaultDataDir() {
  if (const char* env = std::getenv("ZHISUAN_DATA"); env != nullptr && *env != '\0') return env;
  return ZHISUAN_DEFAULT_DATA_DIR;
}

// Prints a view as JSON or as a table.
int Print(const Result<views::Json>& view, bool json,
          const std::function<std::string(const views::Json&)>& table) {
  if (!view) return Report(view.error());
  if (json)
    fmt::print("{}\n", views::Dump(*view, 2));
  else
    fmt::print("{}", table(*view));
  return 0;
}

// Adds `--flag VALUE` to `cmd` that fills params[key] (the API's parameter name) when given.
void AddParam(CLI::App* cmd, Options& o, const std::string& flag, const std::string& help,
              std::string key = "") {
  if (key.empty()) key = flag;
  cmd->add_option_function<std::string>(
      "--" + flag, [&o, key](const std::string& value) { o.filters[key] = value; }, help);
}

}  // namespace

// A CLI11 check: a finite number of at least `low` (CLI11's own range checks let nan through).
CLI::Validator FiniteAtLeast(double low) {
  return CLI::Validator(
      [low](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.c_str() + text.size();
        auto [ptr, ec] = std::from_chars(text.c_str(), end, value);
        if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < low) {
          return fmt::format("must be a finite number >= {} (got '{}')", low, text);
        }
        return {};
      },
      fmt::format("NUMBER >= {}", low));
}

int Run(int argc, char** argv) {
  Options o;
  o.data = DefaultDataDir();
  if (const char* env = std::getenv("ZHISUAN_DB"); env != nullptr && *env != '\0') o.db = env;
  CLI::App app{"zhisuan 智算 — supervision and scheduling of a network of compute centers"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `zhisuan validate --data DIR`
  app.add_option("--db", o.db,
                 "SQLite database file, or a PostgreSQL URL (postgresql://...) that replicas share; created "
                 "and seeded from --data on first start (env ZHISUAN_DB)")
      ->capture_default_str();
  app.add_option("--data", o.data, "directory of the registry's data files (env ZHISUAN_DATA)")
      ->capture_default_str();
  app.add_flag("--reload", o.reload, "replace the stored registry with the data files");
  app.add_flag("--init", o.init,
               "make an empty file or another SQLite database a zhisuan database (refused without it)");

  CLI::App* serve = app.add_subcommand("serve", "run the HTTP API server");
  std::string log_format = "text", log_level = "info";
  std::string web_dir;
  serve->add_option(
      "--web", web_dir,
      "the console's files: console/ and node_modules/ (env ZHISUAN_WEB; default: the source tree's web/)");
  serve->add_option("--host", o.server.host, "address to listen on")->capture_default_str();
  serve->add_option("--port", o.server.port, "port to listen on (0 picks a free one)")->capture_default_str();
  serve->add_option("--threads", o.server.threads, "worker threads that run requests")->capture_default_str();
  serve->add_option("--max-body", o.server.max_body_bytes, "largest request body in bytes (413 past it)")
      ->capture_default_str();
  serve->add_option("--max-connections", o.server.max_connections, "open connections in all (503 past it)")
      ->capture_default_str();
  serve
      ->add_option("--max-connections-per-address", o.server.max_connections_per_address,
                   "open connections from one address (503 past it)")
      ->capture_default_str();
  serve
      ->add_option("--event-clients", o.server.max_event_clients,
                   "clients following /api/v1/events at once (503 past it; the console polls instead)")
      ->check(FiniteAtLeast(1))
      ->capture_default_str();
  serve
      ->add_option("--event-clients-per-address", o.server.max_event_clients_per_address,
                   "of them from one address (429 past it)")
      ->check(FiniteAtLeast(1))
      ->capture_default_str();
  serve
      ->add_option("--anonymous-read-rate", o.server.anonymous_reads_per_s,
                   "quotes, and reads of the live state, a second from one address without a token (429 past "
                   "it; 0: no limit)")
      ->check(FiniteAtLeast(0))
      ->capture_default_str();
  serve
      ->add_option("--rate-per-address", o.server.requests_per_s_per_address,
                   "requests per second from one address (429 past it; 0: no limit)")
      ->check(FiniteAtLeast(0))
      ->capture_default_str();
  serve->add_option("--log-format", log_format, "text or json: one line per event on standard error")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_option("--log-level", log_level, "debug (every request), info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  serve->add_option("--header-timeout", o.server.header_timeout_s, "seconds for a request's headers (408)")
      ->check(FiniteAtLeast(0.001))
      ->capture_default_str();
  serve->add_option("--idle-timeout", o.server.idle_timeout_s, "seconds an idle connection stays open")
      ->check(FiniteAtLeast(0.001))
      ->capture_default_str();
  serve->add_option("--policy", o.server.policy, "placement policy of quotes that name none")
      ->capture_default_str();
  serve->add_option("--objective", o.server.objective, "objective of quotes that name none")
      ->capture_default_str();
  JobOptions job_options;
  serve->add_option("--backends", job_options.backends_file,
                    "YAML: Slurm and local settings of centers, sim_factor");
  serve
      ->add_option("--sim-factor", job_options.sim_factor,
                   "simulated jobs run their modelled time x this (overrides the backends file)")
      ->check(FiniteAtLeast(1e-12));
  serve
      ->add_option("--tenant-max-priority", job_options.tenant_max_priority,
                   "highest job priority of a tenant without its own limit")
      ->check(CLI::Range(-1000, 1000))
      ->capture_default_str();
  serve
      ->add_option("--integrity-interval", job_options.integrity_interval_s,
                   "seconds between integrity checks of the database (health says degraded on corruption)")
      ->check(FiniteAtLeast(0.1))
      ->capture_default_str();
  serve
      ->add_option("--tenant-rate", job_options.tenant_rate,
                   "submissions per second of a tenant without its own limit (0: no limit; 429 past it)")
      ->check(FiniteAtLeast(0))
      ->capture_default_str();
  serve->add_option("--state-dir", job_options.state_dir,
                    "where local jobs keep their files (default: beside a SQLite file; ./zhisuan-state with "
                    "PostgreSQL: replicas on one machine share it)");
  serve->add_option(
      "--advertise", job_options.advertise,
      "the URL other replicas and health name this one by (default: http://HOST:PORT as bound)");
  serve
      ->add_option(
          "--lease", job_options.lease_s,
          "seconds a replica's leadership lasts without renewal (PostgreSQL; failover takes about this)")
      ->check(FiniteAtLeast(0.5))
      ->capture_default_str();
  serve
      ->add_option("--tenant-max-pending", job_options.tenant_max_pending,
                   "unfinished jobs of a tenant without its own limit (0: no limit; 429 past it)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  CLI::App* centers = app.add_subcommand("centers", "list compute centers");
  for (const char* f : {"province", "hub", "cluster", "kind", "accelerator"}) {
    AddParam(centers, o, f, fmt::format("only centers with this {}", f));
  }
  CLI::App* center = app.add_subcommand("center", "show one center with its pools");
  center->add_option("id", o.center_id, "center id")->required();
  CLI::App* accelerators = app.add_subcommand("accelerators", "list accelerators and reference CPU servers");
  CLI::App* regions = app.add_subcommand("regions", "list provinces with grid carbon factor and tariff");
  CLI::App* stats = app.add_subcommand("stats", "statistics of the compute network");
  stats->require_subcommand(1);
  stats->fallthrough();
  CLI::App* capacity = stats->add_subcommand("capacity", "capacity totals by group and precision");
  AddParam(capacity, o, "by", "province, hub, cluster, kind, category, center or nation (default province)");
  AddParam(capacity, o, "precision", "fp16, fp32, fp64 or fp32e (FP32-equivalent; default fp16)");
  AddParam(capacity, o, "status", "in_service (default), planned, under_construction, retired or all");
  CLI::App* domestic =
      stats->add_subcommand("domestic", "self-reliance: domestic share of capacity, vendors, CR5 and HHI");
  AddParam(domestic, o, "by", "province, hub, cluster, kind, category, center or nation (default province)");
  AddParam(domestic, o, "precision", "fp16, fp32, fp64 or fp32e (FP32-equivalent; default fp16)");
  AddParam(domestic, o, "status", "in_service (default), planned, under_construction, retired or all");
  CLI::App* intelligent = stats->add_subcommand(
      "intelligent",
      "which intelligent-computing centers CAICT's >= 500 AI cards rule counts (seed 004:545)");
  CLI::App* coverage = stats->add_subcommand(
      "coverage", "how much of the nation's compute the registry sees, by category (data/national/)");
  CLI::App* quote = app.add_subcommand("quote", "quote a job: where it runs at the lowest cost, and why");
  quote->add_option("spec", o.spec_file, "job spec file, YAML or JSON (- reads standard input)")->required();
  AddParam(quote, o, "policy", "lowest-cost (default), nearest-data, least-loaded, first-fit, random");
  AddParam(quote, o, "objective", "cost (default), energy, carbon, time, weighted");
  AddParam(quote, o, "top", "candidates to show (default 5)");
  AddParam(quote, o, "seed", "seed of the random policy");
  AddParam(quote, o, "carbon-price", "CNY per tonne CO2 in the weighted objective", "carbon_price");
  AddParam(quote, o, "energy-weight", "weight of energy CNY in the weighted objective", "energy_weight");
  AddParam(quote, o, "time-value", "CNY per hour of finish time in the weighted objective", "time_value");
  quote->add_flag_callback(
      "--no-explain", [&o] { o.filters["explain"] = "false"; },
      "skip the reasons of rejected centers (lowest-cost then uses its index)");
  SimArgs sim_args;
  CLI::App* sim = app.add_subcommand("sim", "replay a job trace through the network and compare policies");
  sim->add_option("--trace", sim_args.trace,
                  "trace file: philly.csv, Alibaba GPU 2023 pod list, or zhisuan JSONL")
      ->required();
  sim->add_option("--format", sim_args.format, "philly, alibaba, jsonl or auto")->capture_default_str();
  sim->add_option("--policy", sim_args.policies, "comma-separated policies")->capture_default_str();
  sim->add_option("--objective", sim_args.objective, "cost, energy, carbon, time or weighted")
      ->capture_default_str();
  sim->add_option("--seed", sim_args.seed, "seed of the province draws and the random policy")
      ->capture_default_str();
  sim->add_option(
         "--seeds", sim_args.seeds,
         "run the scenario under each seed (e.g. 1-5 or 1,2,7): the report adds mean, range and the seeds "
         "in which each policy was cheapest")
      ->excludes(sim->get_option("--seed"));
  sim->add_option("--time-scale", sim_args.time_scale, "divide arrival times by this")->capture_default_str();
  sim->add_option("--load-scale", sim_args.load_scale,
                  "jobs per trace row: 2.5 gives two or three copies of each, 0.5 keeps half (seeded)")
      ->capture_default_str();
  sim->add_option("--sample-h", sim_args.sample_h, "hours between utilisation samples (0: none)")
      ->capture_default_str();
  sim->add_option("--fail", sim_args.failures, "CENTER@HOURS[+DURATION]: the center goes down (repeatable)");
  sim->add_option(
      "--random-failures", sim_args.random_failures,
      "MTBF_H[:MTTR_H]: every center fails at random (seeded), mean hours between failures and to repair");
  sim->add_option("--add-center", sim_args.add_centers, "YAML file of extra centers (repeatable)");
  sim->add_option("--tariff-scale", sim_args.tariff_scales,
                  "PROVINCE=FACTOR on the flat tariff (repeatable)");
  sim->add_flag("--strict", sim_args.strict, "a malformed trace row is fatal");
  sim->add_option("--report", sim_args.report_dir,
                  "write report.json, CSVs and report.html into this directory");
  sim->add_flag("--json", sim_args.json, "print the report JSON");
  ClientArgs client;
  auto add_client = [&client](CLI::App* cmd) {
    cmd->add_option("--server", client.server,
                    "server URL (default $ZHISUAN_SERVER or http://127.0.0.1:8080)");
    cmd->add_option("--token-file", client.token_file,
                    "file with the API token (default $ZHISUAN_TOKEN or ~/.config/zhisuan/token)");
    cmd->add_flag("--json", client.json, "print the API's JSON");
  };
  CLI::App* submit = app.add_subcommand("submit", "submit a job to a running server");
  submit->add_option("spec", client.spec_file, "job spec, YAML or JSON (- reads standard input)")->required();
  submit->add_option("--idempotency-key", client.idempotency_key, "the same key returns the same job");
  CLI::App* jobs_cmd = app.add_subcommand("jobs", "list jobs");
  jobs_cmd->add_option("--state", client.state,
                       "pending, placed, dispatched, running, succeeded, failed, cancelled, requeued");
  jobs_cmd->add_option("--tenant", client.tenant, "operators: one tenant's jobs");
  jobs_cmd->add_option("--center", client.center, "jobs of one center");
  jobs_cmd->add_option("--after", client.after, "page: jobs after this id");
  jobs_cmd->add_option("--limit", client.limit, "page size (default 100)");
  CLI::App* job_cmd = app.add_subcommand("job", "one job: state history, decision, accounting");
  CLI::App* cancel_cmd = app.add_subcommand("cancel", "cancel a job");
  CLI::App* logs_cmd = app.add_subcommand("logs", "a job's stdout and stderr");
  for (CLI::App* cmd : {job_cmd, cancel_cmd, logs_cmd})
    cmd->add_option("id", client.id, "job id")->required();
  CLI::App* usage_cmd =
      app.add_subcommand("usage", "device-hours, energy, carbon and money of finished jobs");
  usage_cmd->add_option("--by", client.by, "tenant (default), center or accelerator");
  usage_cmd->add_option("--tenant", client.tenant, "one tenant's jobs (operators; a tenant reads its own)");
  usage_cmd->add_option("--from", client.from, "from (seconds since the epoch or YYYY-MM-DD)");
  usage_cmd->add_option("--to", client.to, "to (exclusive)");
  CLI::App* demand_cmd = app.add_subcommand(
      "demand", "operators: finished work by tenants' sector and home province, and the hub that ran it");
  demand_cmd->add_option("--from", client.from, "from (seconds since the epoch or YYYY-MM-DD)");
  demand_cmd->add_option("--to", client.to, "to (exclusive)");
  CLI::App* drain_cmd = app.add_subcommand("drain", "operators: a center takes no new jobs");
  CLI::App* undrain_cmd = app.add_subcommand("undrain", "operators: a drained center takes jobs again");
  for (CLI::App* cmd : {drain_cmd, undrain_cmd})
    cmd->add_option("center", client.center, "center id")->required();
  for (CLI::App* cmd :
       {submit, jobs_cmd, job_cmd, cancel_cmd, logs_cmd, usage_cmd, demand_cmd, drain_cmd, undrain_cmd})
    add_client(cmd);
  std::string token_tenant, quota_accelerator;
  int64_t quota_max = 0;
  TokenArgs token_args;
  CLI::App* token =
      app.add_subcommand("token", "API tokens (on the database; a running server sees changes at once)");
  token->require_subcommand(1);
  token->fallthrough();
  CLI::App* token_create = token->add_subcommand("create", "create a token and print it once");
  token_create->add_option("--tenant", token_args.tenant, "the tenant it acts for")->required();
  token_create->add_option("--role", token_args.role, "tenant or operator")->capture_default_str();
  token_create->add_option("--expires-in", token_args.expires_in,
                           "lifetime: 90d, 12h, 30m or seconds (default: never)");
  token_create->add_option("--label", token_args.label, "a note shown by token list (who or what uses it)");
  CLI::App* token_list =
      token->add_subcommand("list", "list tokens: id, tenant, role, expiry, state (never the token)");
  token_list->add_option("--tenant", token_args.tenant, "only this tenant's");
  token_list->add_flag("--json", token_args.json, "JSON instead of a table");
  CLI::App* token_revoke =
      token->add_subcommand("revoke", "revoke a token at once (by the id token list shows)");
  token_revoke->add_option("id", token_args.id, "the token's id")->required();
  TenantArgs tenant_args;
  CLI::App* tenant =
      app.add_subcommand("tenant", "tenant limits (on the database; a running server sees changes at once)");
  tenant->require_subcommand(1);
  tenant->fallthrough();
  CLI::App* tenant_set =
      tenant->add_subcommand("set", "set a tenant's limits (the options given; the rest stay)");
  tenant_set->add_option("tenant", tenant_args.tenant, "the tenant")->required();
  tenant_set->add_option("--max-priority", tenant_args.max_priority,
                         "the highest priority its jobs may have");
  tenant_set->add_option("--rate", tenant_args.submissions_per_s, "submissions per second (0: no limit)");
  tenant_set->add_option("--max-pending", tenant_args.max_pending, "unfinished jobs at once (0: no limit)");
  tenant_set->add_option(
      "--allow-from", tenant_args.allow_from,
      "addresses or CIDR blocks its tokens may call from, comma-separated (\"\": anywhere)");
  tenant_set->add_option(
      "--sector", tenant_args.sector,
      "its industry: a GB/T 4754-2017 section (A-T) or section and division (I64); \"\": none");
  tenant_set->add_option("--home-province", tenant_args.home_province,
                         "the province its demand comes from (a region id); \"\": none");
  tenant_set->add_option("--min-domestic-share", tenant_args.min_domestic_share,
                         "the smallest share of its running devices on domestic accelerators, 0-1 (0: none)");
  tenant_set->add_flag("--reset", tenant_args.reset, "back to the server's defaults first");
  CLI::App* quota = app.add_subcommand("quota", "per-tenant device quotas");
  quota->require_subcommand(1);
  quota->fallthrough();
  CLI::App* quota_set =
      quota->add_subcommand("set", "the most devices of one accelerator a tenant may hold at once");
  quota_set->add_option("--tenant", token_tenant, "tenant")->required();
  quota_set->add_option("--accelerator", quota_accelerator, "accelerator id")->required();
  quota_set->add_option("--max", quota_max, "devices")->required();
  AuditArgs audit_args;
  CLI::App* audit = app.add_subcommand(
      "audit", "the audit log: every state-changing call, who made it, from where, the result");
  audit->add_option("--after", audit_args.after, "entries after this sequence number");
  audit->add_option("--limit", audit_args.limit, "at most this many entries (default 100)");
  audit->add_option("--tenant", audit_args.tenant, "only calls made with this tenant's tokens");
  audit->add_option("--action", audit_args.action,
                    "only this action (job.submit, job.cancel, token.create, ...)");
  audit->add_flag("--json", audit_args.json, "print JSON");
  std::string backup_dest;
  CLI::App* backup = app.add_subcommand(
      "backup", "copy the database to a new file, consistent even while a server runs (restore: --db FILE)");
  backup->add_option("dest", backup_dest, "the new file")->required();
  std::string migrate_to;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "copy the SQLite platform (--db) into an empty PostgreSQL database, to run replicas on it");
  migrate->add_option("--to", migrate_to, "the PostgreSQL URL (postgresql://USER@HOST:PORT/DB)")->required();
  IndexArgs index_args;
  CLI::App* index = app.add_subcommand("index", "the compute development index (算力发展指数)");
  index->require_subcommand(1);
  index->fallthrough();
  CLI::App* index_compute = index->add_subcommand("compute", "rank regions by an indicator system");
  index_compute->add_option("--spec", index_args.spec,
                            "indicator system YAML (default: the shipped CAICT 3.0)");
  index_compute->add_option("--data", index_args.data, "CSV: region, year, one column per indicator")
      ->required();
  index_compute->add_option("--weights", index_args.weights,
                            "YAML map from node id to a weighting, overriding the spec");
  index_compute
      ->add_option("--impute", index_args.impute, "missing values: error, mean, zero or previous-year")
      ->capture_default_str();
  index_compute->add_option("--draws", index_args.draws, "Monte Carlo draws for rank intervals (0: none)")
      ->capture_default_str();
  index_compute
      ->add_option("--mc", index_args.mc, "dirichlet (perturb weights) or experts (resample AHP experts)")
      ->capture_default_str();
  index_compute
      ->add_option("--concentration", index_args.concentration,
                   "Dirichlet concentration around the weights (larger: tighter)")
      ->capture_default_str();
  index_compute->add_option("--seed", index_args.seed, "seed of the Monte Carlo and the k-means")
      ->capture_default_str();
  index_compute->add_option("--explain", index_args.explain,
                            "A,B: why region A outranks region B (default: #1 vs #2)");
  index_compute->add_option("--base-year", index_args.base_year,
                            "standardise and weight every year as this one, so years compare (default: each "
                            "year on its own)");
  index_compute->add_option("--lags", index_args.lags,
                            "years of lag in the GDP regression over years, 0-5 (default: up to 3)");
  index_compute->add_option("--report", index_args.report_dir,
                            "write index.json, index.csv and index.html here");
  index_compute->add_flag("--json", index_args.json, "print the report JSON");
  CLI::App* validate = app.add_subcommand("validate", "check the data files without touching the database");
  for (CLI::App* cmd :
       {centers, center, accelerators, regions, capacity, domestic, intelligent, coverage, quote}) {
    cmd->add_flag("--json", o.json, "print JSON (the API's document) instead of a table");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return ExitCode(ErrorCode::kInvalidArgument);
  }

  if (validate->parsed()) {
    Result<std::vector<DataFile>> files = ReadDataDir(o.data);
    if (!files) return Report(files.error());
    Result<Registry> registry = LoadRegistry(*files);
    if (!registry) return Report(registry.error());
    fmt::print("{}: ok: {} accelerators, {} regions, {} hubs, {} clusters, {} centers\n", o.data,
               registry->accelerators().size(), registry->regions().size(), registry->hubs().size(),
               registry->clusters().size(), registry->centers().size());
    return 0;
  }

  if (index_compute->parsed()) return RunIndexCompute(index_args, o.data);
  if (submit->parsed()) return ClientSubmit(client);
  if (jobs_cmd->parsed()) return ClientJobs(client);
  if (job_cmd->parsed()) return ClientJob(client);
  if (cancel_cmd->parsed()) return ClientCancel(client);
  if (logs_cmd->parsed()) return ClientLogs(client);
  if (usage_cmd->parsed()) return ClientUsage(client);
  if (demand_cmd->parsed()) return ClientDemand(client);
  if (drain_cmd->parsed()) return ClientDrain(client, true);
  if (undrain_cmd->parsed()) return ClientDrain(client, false);
  if (token_create->parsed()) return TokenCreate(o.db, token_args);
  if (token_list->parsed()) return TokenList(o.db, token_args);
  if (token_revoke->parsed()) return TokenRevoke(o.db, token_args);
  if (tenant_set->parsed()) return TenantSet(o.db, o.data, tenant_args);
  if (backup->parsed()) return Backup(o.db, backup_dest);
  if (migrate->parsed()) return Migrate(o.db, migrate_to);
  if (audit->parsed()) return AuditList(o.db, audit_args);

  // One server per database (a second one would run every job again), taken before the database is touched.
  // (Replicas on PostgreSQL elect one scheduler by a lease instead.)
  std::unique_ptr<ServerLock> server_lock;
  if (serve->parsed() && !sql::IsPostgresUrl(o.db)) {
    Result<std::unique_ptr<ServerLock>> lock = ServerLock::Acquire(o.db);
    if (!lock) return Report(lock.error());
    server_lock = std::move(*lock);
  }
  Result<OpenedRegistry> opened = OpenRegistry(o.db, o.data, o.reload, o.init);
  if (!opened) return Report(opened.error());
  const Registry& registry = opened->registry;
  if (opened->seeded)
    fmt::print(stderr, "zhisuan: loaded the registry from {} into {}\n", o.data, sql::Redacted(o.db));

  if (serve->parsed()) {
    Log::Level level = Log::Level::kInfo;
    Log::ParseLevel(log_level, level);
    o.server.log = Log::ToStderr(log_format == "json" ? Log::Format::kJson : Log::Format::kText, level);
    o.server.index_spec_path = o.data + "/index/caict-3.0.yaml";
    o.server.index_sample_path = o.data + "/index/sample-2023.csv";
    o.server.national_path = o.data + "/national/compute-2023.yaml";
    o.server.traces_dir = o.data + "/traces";
    if (web_dir.empty()) {
      if (const char* env = std::getenv("ZHISUAN_WEB"); env != nullptr && *env != '\0') web_dir = env;
    }
    if (!web_dir.empty()) {
      o.server.web_dir = web_dir;  // asked for: a missing file is an error
    } else if (std::filesystem::exists(std::string(ZHISUAN_DEFAULT_WEB_DIR) + "/node_modules/echarts")) {
      o.server.web_dir = ZHISUAN_DEFAULT_WEB_DIR;
    } else {
      fmt::print(stderr,
                 "zhisuan: no console ({} has no node_modules: run scripts/setup.sh); / lists the API\n",
                 ZHISUAN_DEFAULT_WEB_DIR);
    }
    job_options.db = o.db;
    return Serve(registry, opened->store->SchemaVersion(), o.server, job_options);
  }
  if (quota_set->parsed()) {
    if (registry.FindAccelerator(quota_accelerator) == nullptr) {
      return Report(
          {ErrorCode::kNotFound, fmt::format("accelerator: unknown accelerator '{}'", quota_accelerator)});
    }
    return QuotaSet(o.db, token_tenant, quota_accelerator, quota_max);
  }
  if (centers->parsed()) return Print(views::Centers(registry, o.filters), o.json, RenderCenters);
  if (center->parsed()) return Print(views::Center(registry, o.center_id), o.json, RenderCenter);
  if (accelerators->parsed()) return Print(views::Accelerators(registry), o.json, RenderAccelerators);
  if (regions->parsed()) return Print(views::Regions(registry), o.json, RenderRegions);
  if (capacity->parsed()) return Print(views::Capacity(registry, o.filters), o.json, RenderCapacity);
  if (domestic->parsed()) return Print(views::SelfReliance(registry, o.filters), o.json, RenderSelfReliance);
  if (intelligent->parsed()) {
    return Print(Result<views::Json>(views::IntelligentCenters(registry)), o.json, RenderIntelligentCenters);
  }
  if (coverage->parsed()) {
    auto national = accounting::LoadNationalCompute(o.data + "/national/compute-2023.yaml");
    if (!national) return Report(national.error());
    return Print(views::Coverage(registry, &*national), o.json, RenderCoverage);
  }
  if (sim->parsed()) return RunSim(registry, sim_args);
  if (quote->parsed()) {
    Result<std::string> spec = ReadInput(o.spec_file, "job spec");
    if (!spec) return Report(spec.error());
    const placement::Snapshot snapshot = placement::Snapshot::Build(registry);
    const double now_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    return Print(views::Quote(registry, snapshot, *spec, o.filters, now_s, o.spec_file), o.json, RenderQuote);
  }
  return ExitCode(ErrorCode::kInvalidArgument);
}

}  // namespace zhisuan::cli
