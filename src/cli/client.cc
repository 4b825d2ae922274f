#include "cli/client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/common.h"
#include "cli/table.h"
#include "lifecycle/auth.h"
#include "store/job_store.h"
#include "store/sql_store.h"
#include "util/limits.h"

namespace zhisuan::cli {
namespace {

using Json = nlohmann::json;

int Report(ErrorCode code, const std::string& message) { return cli::Report(Error{code, message}); }

std::string ServerUrl(const ClientArgs& a) {
  if (!a.server.empty()) return a.server;
  if (const char* env = std::getenv("ZHISUAN_SERVER"); env != nullptr && *env != '\0') return env;
  return "http://127.0.0.1:8080";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Token(const ClientArgs& a) {
  std::string path = a.token_file;
  if (path.empty()) {
    if (const char* env = std::getenv("ZHISUAN_TOKEN"); env != nullptr && *env != '\0') return env;
    const char* config = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    path = config != nullptr ? std::string(config) + "/zhisuan/token"
                             : std::string(home != nullptr ? home : ".") + "/.config/zhisuan/token";
  }
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return Trimmed(token);
}

// Sends a request; prints the error and returns its exit code, or 0 with the body in `out`.
int Call(const ClientArgs& a, const std::string& method, const std::string& path, const std::string& body,
         const httplib::Headers& extra, std::string& out) {
  // A CR/LF in a token or URL would write headers of its own into the request.
  if (HasControlCharacter(ServerUrl(a)) || FindInvalidUtf8(ServerUrl(a)) != std::string::npos) {
    return Report(ErrorCode::kInvalidArgument, "server: the URL has a control character");
  }
  if (HasControlCharacter(Token(a))) {
    return Report(ErrorCode::kInvalidArgument,
                  "token: has a control character (check $ZHISUAN_TOKEN or the token file)");
  }
  httplib::Client client(ServerUrl(a));
  client.set_connection_timeout(5);
  client.set_read_timeout(60);
  httplib::Headers headers = extra;
  if (const std::string token = Token(a); !token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result r = method == "GET"      ? client.Get(path, headers)
                      : method == "DELETE" ? client.Delete(path, headers)
                                           : client.Post(path, headers, body, "application/yaml");
  if (!r) {
    return Report(ErrorCode::kIo, fmt::format("{}: cannot reach the server: {}", ServerUrl(a),
                                              httplib::to_string(r.error())));
  }
  if (r->status >= 400) {
    const Json j = Json::parse(r->body, nullptr, false);
    const std::string message =
        !j.is_discarded() && j.contains("error") ? j["error"].value("message", r->body) : r->body;
    const ErrorCode code = r->status == 401   ? ErrorCode::kUnauthenticated
                           : r->status == 403 ? ErrorCode::kPermissionDenied
                           : r->status == 404 ? ErrorCode::kNotFound
                           : r->status == 409 ? ErrorCode::kConflict
                           : r->status < 500  ? ErrorCode::kValidation
                                              : ErrorCode::kInternal;
    return Report(code, fmt::format("{} ({})", message, r->status));
  }
  out = r->body;
  return 0;
}

std::string Str(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string Query(std::initializer_list<std::pair<const char*, const std::string*>> params) {
  std::string q;
  for (const auto& [key, value] : params) {
    if (value->empty()) continue;
    q += q.empty() ? '?' : '&';
    q += key;
    q += '=';
    q += httplib::detail::encode_query_param(*value);
  }
  return q;
}

int PrintJob(const std::string& body, bool json) {
  if (json) {
    fmt::print("{}\n", body);
    return 0;
  }
  const Json j = Json::parse(body);
  fmt::print("job {}  {}  tenant {}\n", Str(j, "id"), Str(j, "state"), Str(j, "tenant"));
  fmt::print("center {}  accelerator {}  devices {}  backend {} {}\n", Str(j, "center"),
             Str(j, "accelerator"), Str(j, "devices"), Str(j, "backend"), Str(j, "backend_id"));
  fmt::print("{}\n", Str(j, "message"));
  if (j.contains("accounting") && !j["accounting"].is_null()) {
    const Json& a = j["accounting"];
    fmt::print("used {:.4f} device-hours, {:.4f} kWh, {:.4f} kg CO2; billed {} CNY\n",
               a["device_hours"].get<double>(), a["energy_kwh"].get<double>(), a["carbon_kg"].get<double>(),
               a["price_cny"].get<std::string>());
  }
  if (j.contains("history")) {
    for (const Json& e : j["history"]) {
      fmt::print("  {:>14.3f}  {:<10}  {}\n", e["at"].get<double>(), e["state"].get<std::string>(),
                 e["detail"].get<std::string>());
    }
  }
  return 0;
}

// GETs `path`: with --json prints the answer as it came (j stays empty), else parses it into `j` for a table.
int GetForTable(const ClientArgs& a, const std::string& path, Json& j) {
  std::string body;
  if (int rc = Call(a, "GET", path, "", {}, body); rc != 0) return rc;
  if (a.json)
    fmt::print("{}\n", body);
  else
    j = Json::parse(body);
  return 0;
}

}  // namespace

int ClientSubmit(const ClientArgs& a) {
  Result<std::string> spec = ReadInput(a.spec_file, "job spec");
  if (!spec) return cli::Report(spec.error());
  httplib::Headers headers;
  if (!a.idempotency_key.empty()) headers.emplace("Idempotency-Key", a.idempotency_key);
  std::string body;
  if (int rc = Call(a, "POST", "/api/v1/jobs", *spec, headers, body); rc != 0) return rc;
  if (a.json) return PrintJob(body, true);
  const Json j = Json::parse(body);
  fmt::print("job {} {}\n", Str(j, "id"), Str(j, "state"));
  return 0;
}

int ClientJobs(const ClientArgs& a) {
  const std::string q = Query({{"state", &a.state},
                               {"tenant", &a.tenant},
                               {"center", &a.center},
                               {"after", &a.after},
                               {"limit", &a.limit}});
  Json j;
  if (int rc = GetForTable(a, "/api/v1/jobs" + q, j); rc != 0 || a.json) return rc;
  Table t({"ID", "TENANT", "STATE", "CENTER", "DEVICES", "ACCELERATOR", "PRICE CNY", "MESSAGE"},
          {Table::Align::kRight, Table::Align::kLeft, Table::Align::kLeft, Table::Align::kLeft,
           Table::Align::kRight, Table::Align::kLeft, Table::Align::kRight, Table::Align::kLeft});
  for (const Json& job : j["jobs"]) {
    std::string message = Str(job, "message");
    if (message.size() > 60) message = message.substr(0, 57) + "...";
    t.AddRow({Str(job, "id"), Str(job, "tenant"), Str(job, "state"), Str(job, "center"), Str(job, "devices"),
              Str(job, "accelerator"),
              job["accounting"].is_null() ? "-" : job["accounting"]["price_cny"].get<std::string>(),
              message});
  }
  fmt::print("{}", t.Render());
  if (!j["next_after"].is_null()) fmt::print("more: --after {}\n", j["next_after"].dump());
  return 0;
}

int ClientJob(const ClientArgs& a) {
  std::string body;
  if (int rc = Call(a, "GET", fmt::format("/api/v1/jobs/{}", a.id), "", {}, body); rc != 0) return rc;
  return PrintJob(body, a.json);
}

int ClientCancel(const ClientArgs& a) {
  std::string body;
  if (int rc = Call(a, "DELETE", fmt::format("/api/v1/jobs/{}", a.id), "", {}, body); rc != 0) return rc;
  return PrintJob(body, a.json);
}

int ClientLogs(const ClientArgs& a) {
  std::string body;
  if (int rc = Call(a, "GET", fmt::format("/api/v1/jobs/{}/logs", a.id), "", {}, body); rc != 0) return rc;
  fmt::print("{}", body);
  return 0;
}

int ClientUsage(const ClientArgs& a) {
  Json j;
  if (int rc = GetForTable(
          a,
          "/api/v1/usage" + Query({{"by", &a.by}, {"tenant", &a.tenant}, {"from", &a.from}, {"to", &a.to}}),
          j);
      rc != 0 || a.json)
    return rc;
  const std::string by = j["by"];
  std::string key = by;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::toupper(ch); });
  Table t({key, "JOBS", "DEVICE-HOURS", "ENERGY kWh", "CARBON kg", "BILLED CNY"},
          {Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
           Table::Align::kRight, Table::Align::kRight});
  for (const Json& g : j["groups"]) {
    const int64_t fen = g["price_fen"].get<int64_t>();
    t.AddRow(
        {g[by].get<std::string>(), g["jobs"].dump(), fmt::format("{:.3f}", g["device_hours"].get<double>()),
         fmt::format("{:.3f}", g["energy_kwh"].get<double>()),
         fmt::format("{:.3f}", g["carbon_kg"].get<double>()), fmt::format("{}.{:02}", fen / 100, fen % 100)});
  }
  fmt::print("{}", t.Render());
  return 0;
}

int ClientDemand(const ClientArgs& a) {
  Json j;
  if (int rc = GetForTable(a, "/api/v1/stats/demand" + Query({{"from", &a.from}, {"to", &a.to}}), j);
      rc != 0 || a.json)
    return rc;
  auto pct = [](const Json& x) {
    return x.is_number() ? fmt::format("{:.1f}%", 100 * x.get<double>()) : "-";
  };
  auto hours = [](const Json& g) { return fmt::format("{:.1f}", g["device_hours"].get<double>()); };
  fmt::print("finished work: {} jobs, {} device-hours\n\nBy sector (national shares: seed {})\n",
             j["total"]["jobs"].dump(), hours(j["total"]),
             j["national_sectors"].is_object() ? j["national_sectors"]["line"].get<std::string>() : "-");
  Table sectors(
      {"SECTOR", "CODES", "JOBS", "DEVICE-HOURS", "SHARE", "NATION GENERAL", "NATION INTELLIGENT", "PLACE"},
      {Table::Align::kLeft, Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight,
       Table::Align::kRight, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight});
  for (const Json& g : j["by_sector"]) {
    const Json n = g.value("national", Json::object());
    std::string codes;
    for (const Json& c : g.value("codes", Json::array()))
      codes += fmt::format("{}{}", codes.empty() ? "" : " ", c.get<std::string>());
    sectors.AddRow({g.contains("name_zh") ? fmt::format("{} {}", g["name_zh"].get<std::string>(),
                                                        g["sector"].get<std::string>())
                                          : g["sector"].get<std::string>(),
                    codes, g["jobs"].dump(), hours(g), pct(g["share"]), pct(n.value("general_share", Json())),
                    pct(n.value("intelligent_share", Json())),
                    n.value("intelligent_place", Json()).is_number() ? n["intelligent_place"].dump() : "-"});
  }
  fmt::print("{}\nBy home province of the tenants (demand)\n", sectors.Render());
  Table provinces({"PROVINCE", "JOBS", "DEVICE-HOURS", "SHARE", "IN HOME PROVINCE", "IN WESTERN HUBS"},
                  {Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
                   Table::Align::kRight, Table::Align::kRight});
  for (const Json& g : j["by_province"]) {
    provinces.AddRow({g["province"].get<std::string>(), g["jobs"].dump(), hours(g), pct(g["share"]),
                      pct(g["in_home_province_share"]), pct(g["in_western_hubs_share"])});
  }
  fmt::print("{}\nBy hub that ran it (supply)\n", provinces.Render());
  Table hubs({"HUB", "WEST", "JOBS", "DEVICE-HOURS", "SHARE"},
             {Table::Align::kLeft, Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight,
              Table::Align::kRight});
  for (const Json& g : j["by_hub"]) {
    hubs.AddRow({g["hub"].get<std::string>(), g.value("west", false) ? "yes" : "", g["jobs"].dump(), hours(g),
                 pct(g["share"])});
  }
  const Json& ew = j["east_to_west"];
  fmt::print("{}\n东数西算: {} of {:.1f} device-hours demanded outside the western hubs ran in one\n",
             hubs.Render(), pct(ew["share"]), ew["device_hours"].get<double>());
  return 0;
}

int ClientDrain(const ClientArgs& a, bool drain) {
  std::string body;
  if (int rc = Call(a, "POST", fmt::format("/api/v1/centers/{}/{}", a.center, drain ? "drain" : "undrain"),
                    "", {}, body);
      rc != 0) {
    return rc;
  }
  const Json j = Json::parse(body);
  fmt::print("{} {}\n", Str(j, "center"), Str(j, "state"));
  return 0;
}

}  // namespace zhisuan::cli
