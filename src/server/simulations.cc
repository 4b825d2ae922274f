#include "server/simulations.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/run_scenario.h"
#include "sim/scenario.h"
#include "util/json.h"

namespace zhisuan::views {
namespace {

namespace fs = std::filesystem;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool IsTraceFile(const fs::path& p) { return p.extension() == ".csv" || p.extension() == ".jsonl"; }

// Data rows of a trace (lines after a header, or every line of a JSONL file).
int64_t Rows(std::string_view text, bool jsonl) {
  int64_t lines = std::count(text.begin(), text.end(), '\n');
  if (!text.empty() && text.back() != '\n') ++lines;
  return std::max<int64_t>(0, jsonl ? lines : lines - 1);
}

Result<std::vector<std::string>> Strings(const nlohmann::json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  const nlohmann::json& v = body[key];
  if (!v.is_array() || v.size() > 64)
    return Fail(ErrorCode::kValidation, fmt::format("{}: must be a list of at most 64 strings", key));
  for (const nlohmann::json& x : v) {
    if (!x.is_string() || x.get_ref<const std::string&>().size() > 200)
      return Fail(ErrorCode::kValidation, fmt::format("{}: must be a list of strings", key));
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

struct Simulations::Run {
  int64_t id = 0;
  std::string tenant;
  std::string trace_name;  // the shipped trace's name, or "upload"
  double created_at = 0, started_at = 0, finished_at = 0;
  sim::Scenario scenario;
  std::string upload_path;  // removed when the run ends
  std::atomic<int> done{0}, total{0};
  std::atomic<bool> cancel{false};
  // Guarded by Simulations::mu_.
  std::string state = "queued";  // queued, running, done, failed, cancelled
  std::string error;
  std::shared_ptr<const Json> report;
};

Simulations::Simulations(const Registry& registry, std::string traces_dir, std::string scratch_dir,
                         SimulationLimits limits)
    : registry_(registry),
      traces_dir_(std::move(traces_dir)),
      scratch_dir_(std::move(scratch_dir)),
      limits_(limits),
      traces_(Json::array()),
      worker_([this] { Work(); }) {
  std::error_code ec;
  if (traces_dir_.empty() || !fs::is_directory(traces_dir_, ec)) return;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(traces_dir_, ec)) {
    if (e.is_regular_file() && IsTraceFile(e.path())) files.push_back(e.path());
  }
  std::ranges::sort(files);
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string body = text.str();
    traces_.push_back({{"name", f.stem().string()},
                       {"file", f.filename().string()},
                       {"bytes", body.size()},
                       {"rows", Rows(body, f.extension() == ".jsonl")}});
  }
}

Simulations::~Simulations() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& r : runs_) r->cancel = true;
  }
  wake_.notify_all();
  worker_.join();
  for (const auto& r : runs_) {
    if (!r->upload_path.empty()) std::remove(r->upload_path.c_str());
  }
}

Result<Json> Simulations::Submit(const lifecycle::Principal& who, std::string_view text) {
  Result<nlohmann::json> parsed = ParseJson(text, "request body");
  if (!parsed) return std::unexpected(parsed.error());
  const nlohmann::json& body = *parsed;
  if (!body.is_object()) return Fail(ErrorCode::kValidation, "request body: must be a JSON object");
  static const char* kKnown[] = {"trace",     "trace_csv",  "format",     "policies", "seeds",
                                 "objective", "time_scale", "load_scale", "failures"};
  for (const auto& [key, value] : body.items()) {
    if (std::ranges::find_if(kKnown, [&](const char* k) { return key == k; }) == std::end(kKnown))
      return Fail(ErrorCode::kValidation, fmt::format("{}: unknown field", key));
  }
  auto run = std::make_shared<Run>();
  sim::Scenario& s = run->scenario;
  for (const char* key : {"trace", "trace_csv", "format", "objective"}) {
    if (body.contains(key) && !body[key].is_string())
      return Fail(ErrorCode::kValidation, fmt::format("{}: must be a string", key));
  }
  for (const char* key : {"time_scale", "load_scale"}) {
    if (body.contains(key) && !body[key].is_number())
      return Fail(ErrorCode::kValidation, fmt::format("{}: must be a number", key));
  }
  s.format = body.value("format", std::string("auto"));
  s.objective = body.value("objective", std::string("cost"));
  s.time_scale = body.value("time_scale", 1.0);
  s.load_scale = body.value("load_scale", 1.0);
  // A slowed-down trace spans more hours, and the report samples every hour: bounded here.
  if (!(s.time_scale >= 0.1 && s.time_scale <= 1000))
    return Fail(ErrorCode::kValidation, "time_scale: must be from 0.1 to 1000 here (the CLI allows more)");
  if (!(s.load_scale > 0 && s.load_scale <= limits_.max_load_scale)) {
    return Fail(ErrorCode::kValidation,
                fmt::format("load_scale: must be > 0 and at most {} here (the CLI allows more)",
                            limits_.max_load_scale));
  }
  Result<std::vector<std::string>> policies = Strings(body, "policies");
  if (!policies) return std::unexpected(policies.error());
  if (!policies->empty()) s.policies = std::move(*policies);
  Result<std::vector<std::string>> failures = Strings(body, "failures");
  if (!failures) return std::unexpected(failures.error());
  s.failures = std::move(*failures);
  if (body.contains("seeds")) {
    const nlohmann::json& v = body["seeds"];
    if (v.is_string()) {
      auto seeds = sim::ParseSeeds(v.get<std::string>());
      if (!seeds) return std::unexpected(seeds.error());
      s.seeds = std::move(*seeds);
    } else if (v.is_array() && !v.empty() && v.size() <= limits_.max_seeds) {
      s.seeds.clear();
      for (const nlohmann::json& x : v) {
        if (!x.is_number_unsigned())
          return Fail(ErrorCode::kValidation, "seeds: must be non-negative integers");
        s.seeds.push_back(x.get<uint64_t>());
      }
    } else if (v.is_array() && v.size() > limits_.max_seeds) {
      return Fail(ErrorCode::kValidation, fmt::format("seeds: at most {} here", limits_.max_seeds));
    } else {
      return Fail(ErrorCode::kValidation, "seeds: must be \"1-5\", \"1,2,3\" or a list of integers");
    }
    if (s.seeds.size() > limits_.max_seeds)
      return Fail(ErrorCode::kValidation, fmt::format("seeds: at most {} here", limits_.max_seeds));
  }
  if (Status ok = sim::CheckScenario(s); !ok) return Fail(ErrorCode::kValidation, ok.error().message);

  // The trace: a shipped one by name (never a path), or the text of one.
  const bool shipped = body.contains("trace"), uploaded = body.contains("trace_csv");
  if (shipped == uploaded)
    return Fail(ErrorCode::kValidation,
                "trace: give a shipped trace's name or trace_csv, not both or neither");
  int64_t rows = 0;
  if (shipped) {
    const std::string name = body["trace"].get<std::string>();
    for (const Json& t : Traces()) {
      if (t["name"] == name) {
        s.trace = (fs::path(traces_dir_) / t["file"].get<std::string>()).string();
        rows = t["rows"].get<int64_t>();
      }
    }
    if (s.trace.empty()) {
      std::string names;
      for (const Json& t : Traces())
        names += fmt::format("{}{}", names.empty() ? "" : ", ", t["name"].get<std::string>());
      return Fail(ErrorCode::kValidation, fmt::format("trace: '{}' is not a shipped trace (one of: {})",
                                                      name.substr(0, 100), names.empty() ? "none" : names));
    }
    run->trace_name = name;
  } else {
    const std::string& csv = body["trace_csv"].get_ref<const std::string&>();
    const bool jsonl = s.format == "jsonl" || (s.format == "auto" && !csv.empty() && csv.front() == '{');
    rows = Rows(csv, jsonl);
    if (rows == 0) return Fail(ErrorCode::kValidation, "trace_csv: has no rows");
    run->trace_name = "upload";
    std::string path = (fs::path(scratch_dir_.empty() ? fs::temp_directory_path() : fs::path(scratch_dir_)) /
                        (jsonl ? "zhisuan-sim-XXXXXX.jsonl" : "zhisuan-sim-XXXXXX.csv"))
                           .string();
    const int fd = mkstemps(path.data(), jsonl ? 6 : 4);
    if (fd < 0) return Fail(ErrorCode::kIo, "trace_csv: cannot store the upload");
    const bool written = write(fd, csv.data(), csv.size()) == static_cast<ssize_t>(csv.size());
    close(fd);
    if (!written) {
      std::remove(path.c_str());
      return Fail(ErrorCode::kIo, "trace_csv: cannot store the upload");
    }
    s.trace = run->upload_path = path;
  }
  const double work = static_cast<double>(rows) * s.load_scale * static_cast<double>(s.seeds.size()) *
                      static_cast<double>(s.policies.size() + 1);
  auto refuse = [&](Error e) -> Result<Json> {
    if (!run->upload_path.empty()) std::remove(run->upload_path.c_str());
    return std::unexpected(std::move(e));
  };
  if (work > limits_.max_work) {
    return refuse(
        {ErrorCode::kValidation,
         fmt::format("trace: {} rows x load scale {} x {} seeds x {} runs is {:.0f} job placements, "
                     "more than the {:.0f} a request may ask for; use zhisuan sim",
                     rows, s.load_scale, s.seeds.size(), s.policies.size() + 1, work, limits_.max_work)});
  }
  std::lock_guard lock(mu_);
  size_t waiting = 0, mine = 0;
  for (const auto& r : runs_) {
    if (r->state != "queued" && r->state != "running") continue;
    ++waiting;
    if (r->tenant == who.tenant) ++mine;
  }
  if (mine >= limits_.max_per_caller) {
    return refuse(
        {ErrorCode::kRateLimited,
         fmt::format("simulations: tenant '{}' already has {} waiting or running; wait for one to end",
                     who.tenant, mine)});
  }
  if (waiting >= limits_.max_waiting)
    return refuse({ErrorCode::kRateLimited, "simulations: the queue is full; try again later"});
  run->id = next_id_++;
  run->tenant = who.tenant;
  run->created_at = Now();
  runs_.push_back(run);
  // Keep the newest finished runs only.
  size_t finished = 0;
  for (const auto& r : runs_) finished += r->state != "queued" && r->state != "running";
  for (auto it = runs_.begin(); it != runs_.end() && finished > limits_.keep;) {
    if ((*it)->state != "queued" && (*it)->state != "running") {
      it = runs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
  wake_.notify_all();
  return Summary(*run);
}

void Simulations::Work() {
  while (true) {
    std::shared_ptr<Run> run;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] {
        if (stopping_) return true;
        return std::ranges::any_of(runs_, [](const auto& r) { return r->state == "queued"; });
      });
      if (stopping_) return;
      for (const auto& r : runs_) {
        if (r->state == "queued") {
          run = r;
          break;
        }
      }
      run->state = "running";
      run->started_at = Now();
    }
    Result<sim::RunReport> report = sim::RunScenario(
        registry_, run->scenario,
        [&](int done, int total) {
          run->total = total;
          run->done = done;
        },
        &run->cancel);
    std::shared_ptr<const Json> json;
    if (report) {
      report->trace_path = run->trace_name;  // not the server's path
      json = std::make_shared<const Json>(sim::ToJson(*report));
    }
    if (!run->upload_path.empty()) std::remove(run->upload_path.c_str());
    std::lock_guard lock(mu_);
    run->finished_at = Now();
    if (report) {
      run->state = "done";
      run->report = std::move(json);
    } else {
      run->state = run->cancel ? "cancelled" : "failed";
      run->error = report.error().message;
    }
  }
}

Json Simulations::Summary(const Run& r) const {
  const int total = r.total, done = r.done;
  Json policies = Json::array();
  for (const std::string& p : r.scenario.policies) policies.push_back(p);
  Json out = {{"id", r.id},
              {"tenant", r.tenant},
              {"state", r.state},
              {"trace", r.trace_name},
              {"policies", policies},
              {"seeds", r.scenario.seeds},
              {"time_scale", r.scenario.time_scale},
              {"load_scale", r.scenario.load_scale},
              {"failures", r.scenario.failures},
              {"progress", r.state == "done" ? 1.0
                           : total > 0       ? static_cast<double>(done) / total
                                             : 0.0},
              {"created_at", r.created_at},
              {"started_at", r.started_at > 0 ? Json(r.started_at) : Json()},
              {"finished_at", r.finished_at > 0 ? Json(r.finished_at) : Json()},
              {"error", r.error.empty() ? Json() : Json(r.error)}};
  return out;
}

Result<std::shared_ptr<Simulations::Run>> Simulations::Find(const lifecycle::Principal& who, int64_t id) {
  for (const auto& r : runs_) {
    if (r->id == id && (who.is_operator || r->tenant == who.tenant)) return r;
  }
  return Fail(ErrorCode::kNotFound, fmt::format("simulation {} does not exist", id));
}

Result<Json> Simulations::Get(const lifecycle::Principal& who, int64_t id) {
  std::lock_guard lock(mu_);
  Result<std::shared_ptr<Run>> run = Find(who, id);
  if (!run) return std::unexpected(run.error());
  Json out = Summary(**run);
  if ((*run)->report) out["report"] = *(*run)->report;
  return out;
}

Json Simulations::List(const lifecycle::Principal& who) {
  std::lock_guard lock(mu_);
  Json out = Json::array();
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if (who.is_operator || (*it)->tenant == who.tenant) out.push_back(Summary(**it));
  }
  return Json{{"simulations", out}};
}

Result<Json> Simulations::Cancel(const lifecycle::Principal& who, int64_t id) {
  std::lock_guard lock(mu_);
  Result<std::shared_ptr<Run>> run = Find(who, id);
  if (!run) return std::unexpected(run.error());
  Run& r = **run;
  if (r.state == "queued") {
    r.state = "cancelled";
    r.finished_at = Now();
    if (!r.upload_path.empty()) std::remove(r.upload_path.c_str());
  } else if (r.state == "running") {
    r.cancel = true;  // the worker stops after the step it is in
  } else {
    return Fail(ErrorCode::kConflict, fmt::format("simulation {} has already ended ({})", id, r.state));
  }
  return Summary(r);
}

}  // namespace zhisuan::views
