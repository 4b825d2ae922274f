// Integration: the real server on port 0 over the shipped dataset, stored in a temporary SQLite file, queried
// over loopback HTTP.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "accounting/capacity.h"
#include "server/console.h"
#include "store/registry_source.h"
#include "store/sql_store.h"
#include "testing/fixtures.h"

namespace zhisuan {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenRegistry(dir_.path() / "zhisuan.db", testing::ShippedDataDir());
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    opened_ = std::make_unique<OpenedRegistry>(std::move(*opened));
    ServerOptions options{"127.0.0.1", 0, 4};
    options.index_spec_path = (testing::ShippedDataDir() / "index" / "caict-3.0.yaml").string();
    options.index_sample_path = (testing::ShippedDataDir() / "index" / "sample-2023.csv").string();
    options.national_path = (testing::ShippedDataDir() / "national" / "compute-2023.yaml").string();
    options.web_dir = (testing::ShippedDataDir().parent_path() / "web").string();
    options.events_interval_s = 0.05;
    options.max_event_clients = 3;
    auto server = HttpServer::Create(opened_->registry, opened_->store->SchemaVersion(), options);
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  // GET `path`, expect `status`, return the parsed JSON body.
  json Get(const std::string& path, int status = 200) {
    auto res = client_->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(res->body);
  }

  const Registry& registry() const { return opened_->registry; }

  testing::TempDir dir_;
  std::unique_ptr<OpenedRegistry> opened_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, Health) {
  const json j = Get("/api/v1/health");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["centers"], registry().centers().size());
  EXPECT_EQ(j["schema_version"], LatestSchemaVersion());
}

TEST_F(ServerTest, Accelerators) {
  const json j = Get("/api/v1/accelerators");
  ASSERT_EQ(j["accelerators"].size(), registry().accelerators().size());
  bool found_a100 = false;
  for (const json& a : j["accelerators"]) {
    if (a["id"] == "nvidia-a100-sxm-80gb") {
      found_a100 = true;
      EXPECT_DOUBLE_EQ(a["peak_tflops"]["fp16"].get<double>(), 312);
    }
    EXPECT_FALSE(a["source"].get<std::string>().empty());
  }
  EXPECT_TRUE(found_a100);
}

TEST_F(ServerTest, CentersAndFilters) {
  json j = Get("/api/v1/centers");
  EXPECT_EQ(j["count"], registry().centers().size());
  j = Get("/api/v1/centers?province=guangdong");
  EXPECT_GE(j["count"].get<int>(), 3);
  for (const json& c : j["centers"]) EXPECT_EQ(c["province"], "guangdong");
  j = Get("/api/v1/centers?hub=inner-mongolia&kind=intelligent");
  EXPECT_GE(j["count"].get<int>(), 2);
  for (const json& c : j["centers"]) EXPECT_EQ(c["hub"], "inner-mongolia");
  j = Get("/api/v1/centers?accelerator=huawei-ascend-910");
  EXPECT_GE(j["count"].get<int>(), 1);
  j = Get("/api/v1/centers?province=atlantis", 400);
  EXPECT_EQ(j["error"]["code"], "invalid_argument");
  EXPECT_EQ(j["error"]["message"], "province: unknown province 'atlantis'");
}

// The registry is loaded once: its answers are made, serialized and compressed once, and served as bytes
// with a tag (a console revalidating gets 304 and no body); a filtered list is still made per request.
TEST_F(ServerTest, RegistryAnswersAreMadeOnceAndRevalidated) {
  httplib::Client raw("127.0.0.1", server_->port());
  raw.set_decompress(false);
  for (const char* path : {"/api/v1/centers", "/api/v1/regions", "/api/v1/accelerators",
                           "/api/v1/stats/coverage", "/api/v1/stats/intelligent-centers"}) {
    auto first = raw.Get(path, {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(first) << path;
    ASSERT_EQ(first->status, 200) << path << first->body;
    EXPECT_EQ(first->get_header_value("Content-Type"), "application/json") << path;
    EXPECT_EQ(first->get_header_value("Cache-Control"), "no-cache") << path;
    const std::string etag = first->get_header_value("ETag");
    ASSERT_FALSE(etag.empty()) << path;
    EXPECT_TRUE(json::accept(first->body)) << path;
    auto again = raw.Get(path, {{"Accept-Encoding", "identity"}});
    EXPECT_EQ(again->body, first->body) << path;
    EXPECT_EQ(again->get_header_value("ETag"), etag) << path;
    auto revalidated = raw.Get(path, {{"If-None-Match", etag}});
    EXPECT_EQ(revalidated->status, 304) << path;
    EXPECT_TRUE(revalidated->body.empty()) << path;
    EXPECT_EQ(Get(std::string(path) + "?x=1", 400)["error"]["code"], "invalid_argument") << path;
  }
  auto packed = raw.Get("/api/v1/centers", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(Get("/api/v1/centers?province=guangdong")["count"], 4);  // filtered: made for the request
}

// Without the job service the network page has the registry's states and no busy or queued devices.
TEST_F(ServerTest, TheNetworkWithoutTheJobService) {
  const json n = Get("/api/v1/network?limit=3");
  EXPECT_FALSE(n["live"]);
  EXPECT_EQ(n["totals"]["centers"], registry().centers().size());
  EXPECT_EQ(n["totals"]["busy"], 0);
  EXPECT_GT(n["totals"]["devices"].get<int64_t>(), 0);
  ASSERT_EQ(n["centers"]["items"].size(), 3u);
  EXPECT_TRUE(n["centers"]["items"][0]["busy"].is_null());
  EXPECT_TRUE(n["centers"]["items"][0]["free"].is_null());
  EXPECT_EQ(n["centers"]["count"], registry().centers().size());
  EXPECT_EQ(Get("/api/v1/network?province=guangdong")["totals"]["centers"], 4);
  EXPECT_EQ(Get("/api/v1/network?limit=-5", 400)["error"]["message"],
            "limit: '-5' is not a whole number from 0 to 5000");
}

TEST_F(ServerTest, CenterDetailAndNotFound) {
  json j = Get("/api/v1/centers/pengcheng-cloud-brain-2");
  EXPECT_EQ(j["name"], "鹏城云脑II");
  ASSERT_EQ(j["pools"].size(), 2u);
  EXPECT_EQ(j["pools"][0]["devices"], 4096);
  // 4096 Ascend 910 x 256 TFLOPS = 1048.576 PFLOPS FP16 + 1024 Kunpeng servers at their FP32 rate.
  EXPECT_NEAR(j["pools"][0]["capacity_pflops"]["fp16"].get<double>(), 1048.576, 1e-9);
  j = Get("/api/v1/centers/nowhere", 404);
  EXPECT_EQ(j["error"]["code"], "not_found");
}

TEST_F(ServerTest, Regions) {
  const json j = Get("/api/v1/regions");
  EXPECT_EQ(j["regions"].size(), 31u);
  EXPECT_EQ(j["hubs"].size(), 8u);
  EXPECT_EQ(j["clusters"].size(), 10u);
}

TEST_F(ServerTest, CapacityAgreesWithAccounting) {
  for (const char* by : {"province", "hub", "cluster", "kind", "category", "nation"}) {
    for (const char* precision : {"fp16", "fp32", "fp64", "fp32e"}) {
      const json j = Get(std::string("/api/v1/stats/capacity?by=") + by + "&precision=" + precision);
      const auto measure = *accounting::ParseMeasure(precision);
      const auto expected = accounting::CapacityBy(registry(), *accounting::ParseGroupBy(by), measure);
      ASSERT_EQ(j["groups"].size(), expected.size()) << by;
      double sum = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(j["groups"][i]["key"], expected[i].key);
        EXPECT_NEAR(j["groups"][i]["pflops"].get<double>(), expected[i].capacity.tflops / 1000.0, 1e-9);
        sum += j["groups"][i]["pflops"].get<double>();
      }
      EXPECT_NEAR(sum, accounting::NationalCapacity(registry(), measure).tflops / 1000.0, 1e-6)
          << by << precision;
      EXPECT_NEAR(j["total"]["pflops"].get<double>(), sum, 1e-6);
    }
  }
}

// Self-reliance on the shipped network: the domestic capacity of the groups sums to the nation's, shares are
// what the capacities say, every vendor has its country, and the accelerators list says which are domestic.
TEST_F(ServerTest, DomesticShareOfTheShippedNetwork) {
  for (const char* by : {"hub", "province", "category"}) {
    const json j = Get(std::string("/api/v1/stats/domestic?by=") + by + "&precision=fp32e");
    const json& nation = j["nation"];
    double domestic = 0, total = 0;
    for (const json& g : j["groups"]) {
      domestic += g["domestic"]["pflops"].get<double>();
      total += g["total"]["pflops"].get<double>();
      if (g["total"]["pflops"].get<double>() > 0) {
        EXPECT_NEAR(g["domestic_share"].get<double>(),
                    g["domestic"]["pflops"].get<double>() / g["total"]["pflops"].get<double>(), 1e-12);
      }
      double shares = 0;
      for (const json& v : g["vendors"]) {
        EXPECT_TRUE(v["country"].is_string()) << v.dump();
        shares += v["share"].get<double>();
      }
      EXPECT_NEAR(shares, 1.0, 1e-9) << g["key"];
      EXPECT_GE(g["hhi"].get<double>(), 10000.0 / static_cast<double>(g["vendors"].size()) - 1e-6);
    }
    EXPECT_NEAR(domestic, nation["domestic"]["pflops"].get<double>(), 1e-6) << by;
    EXPECT_NEAR(total, nation["total"]["pflops"].get<double>(), 1e-6) << by;
  }
  const json nation = Get("/api/v1/stats/domestic?by=nation")["nation"];
  EXPECT_GT(nation["domestic_share"].get<double>(), 0.5);  // Ascend dominates the shipped registry
  EXPECT_LT(nation["domestic_share"].get<double>(), 1.0);
  EXPECT_EQ(nation["unknown_origin"]["devices"], 0);
  bool ascend = false, h20 = false;
  const json accelerators = Get("/api/v1/accelerators");
  for (const json& a : accelerators["accelerators"]) {
    if (a["id"] == "huawei-ascend-910b") ascend = a["domestic"] == true && a["vendor_country"] == "CN";
    if (a["id"] == "nvidia-h20") h20 = a["domestic"] == false && a["vendor_country"] == "US";
  }
  EXPECT_TRUE(ascend);
  EXPECT_TRUE(h20);
  EXPECT_NE(Get("/api/v1/stats/domestic?by=galaxy", 400)["error"]["message"].get<std::string>().find("by:"),
            std::string::npos);
  EXPECT_EQ(Get("/api/v1/stats/domestic?precision=int4", 400)["error"]["code"], "invalid_argument");
}

// Planned capacity (燧弘华创's 50,000 P, Alibaba Zhangbei's 12 EFLOPS, Chengdu's 1000 P) counts apart from
// capacity in service, the centers say their status, and a quote rejects them as not in service.
TEST_F(ServerTest, PlannedCapacityCountsApartAndTakesNoJobs) {
  const json in_service = Get("/api/v1/stats/capacity?by=hub");
  EXPECT_EQ(in_service["status"], "in_service");
  const json& statuses = in_service["nation_by_status"];
  EXPECT_NEAR(in_service["total"]["pflops"].get<double>(), statuses["in_service"]["pflops"].get<double>(),
              1e-9);
  EXPECT_EQ(statuses["planned"]["centers"], 3);
  EXPECT_GT(statuses["planned"]["pflops"].get<double>(), 50000);
  const json all = Get("/api/v1/stats/capacity?by=nation&status=all");
  double sum = 0;
  for (const auto& [status, c] : statuses.items()) sum += c["pflops"].get<double>();
  EXPECT_NEAR(all["total"]["pflops"].get<double>(), sum, 1e-6);
  EXPECT_EQ(all["total"]["centers"], 30);
  const json planned = Get("/api/v1/stats/capacity?by=center&status=planned");
  ASSERT_EQ(planned["groups"].size(), 3u);
  EXPECT_EQ(planned["groups"][0]["key"], "suihong-qingyang-aidc");
  const json center = Get("/api/v1/centers/suihong-qingyang-aidc");
  EXPECT_EQ(center["status"]["value"], "planned");
  EXPECT_TRUE(center["status"]["estimated"].get<bool>());
  EXPECT_EQ(Get("/api/v1/centers/poyanghu-aidc")["status"]["since"], "2025-06");
  const std::string message = Get("/api/v1/stats/capacity?status=soon", 400)["error"]["message"];
  EXPECT_NE(message.find("status: unknown status 'soon'"), std::string::npos) << message;
  auto quote =
      client_->Post("/api/v1/quote",
                    "kind: train\ndevices: 8\nwork: {reference_hours: 2, reference: nvidia-a100-sxm-80gb}\n",
                    "application/yaml");
  ASSERT_EQ(quote->status, 200) << quote->body;
  int not_in_service = 0;
  const json decision = json::parse(quote->body);
  for (const json& r : decision["rejected"]) {
    if (r["code"] == "not_in_service") ++not_in_service;
  }
  EXPECT_EQ(not_in_service, 3) << quote->body;
}

// National coverage on the shipped data: each category's in-service capacity against CAICT's figure with its
// seed line; the capacity a capacity query reports in service, converted to EFLOPS, is what is covered; plans
// are apart.
TEST_F(ServerTest, NationalCoverageByCategory) {
  const json j = Get("/api/v1/stats/coverage");
  EXPECT_EQ(j["year"], 2023);
  EXPECT_EQ(j["basis"], "fp32e");
  ASSERT_EQ(j["categories"].size(), 4u);
  const json nation = Get("/api/v1/stats/capacity?by=nation&precision=fp32e");
  double parts = 0;
  for (const json& r : j["categories"]) {
    const std::string category = r["category"];
    ASSERT_FALSE(r["national_eflops"].is_null()) << category;
    EXPECT_NEAR(r["coverage"].get<double>(),
                r["in_service_eflops"].get<double>() / r["national_eflops"].get<double>(), 1e-12);
    if (category == "total") {
      EXPECT_EQ(r["national_eflops"], 435.0);
      EXPECT_EQ(r["source_line"], "004:523-525");
      EXPECT_NEAR(r["in_service_eflops"].get<double>(), nation["total"]["pflops"].get<double>() / 1000, 1e-9);
      EXPECT_NEAR(r["planned_eflops"].get<double>(),
                  (nation["nation_by_status"]["planned"]["pflops"].get<double>() +
                   nation["nation_by_status"]["under_construction"]["pflops"].get<double>()) /
                      1000,
                  1e-9);
      EXPECT_GT(r["planned_eflops"].get<double>(), 0);
    } else {
      parts += r["in_service_eflops"].get<double>();
    }
  }
  EXPECT_NEAR(parts, nation["total"]["pflops"].get<double>() / 1000, 1e-9);
  // Who built the intelligent centers, beside seed 001:8; the centers by builder agree with the capacity
  // view.
  EXPECT_EQ(j["builders"]["source_line"], "001:8");
  int centers = 0;
  for (const json& b : j["builders"]["types"]) {
    centers += b["centers"].get<int>();
    if (b["type"] == "government") {
      EXPECT_EQ(b["national_share"], 0.339);
    }
    if (b["type"] == "other") {
      EXPECT_TRUE(b["national_share"].is_null());
    }
  }
  EXPECT_EQ(centers, Get("/api/v1/stats/capacity?by=kind")["groups"][0]["centers"].get<int>());
  const json by_builder = Get("/api/v1/stats/capacity?by=builder");
  EXPECT_GE(by_builder["groups"].size(), 4u);
  // Racks: the registry's rack-equivalents set against the occupied racks the seeds imply.
  ASSERT_EQ(j["racks"]["scopes"].size(), 2u);
  const json& all = j["racks"]["scopes"][0];
  EXPECT_EQ(all["scope"], "nation");
  EXPECT_NEAR(all["occupied_racks"].get<double>(), 8100000 * 0.6, 1e-3);
  EXPECT_NEAR(all["coverage"].get<double>(), all["registry_rack_equivalents"].get<double>() / (8100000 * 0.6),
              1e-12);
  EXPECT_EQ(j["racks"]["published"].size(), 6u);
  // The top-down stock model beside the registry: the intelligent row's registry side is the registry's.
  ASSERT_EQ(j["stock"]["categories"].size(), 2u);
  const json& ai = j["stock"]["categories"][1];
  EXPECT_EQ(ai["category"], "intelligent");
  EXPECT_EQ(ai["source_line"], "004:537-539");
  EXPECT_NEAR(ai["implied_tflops_per_server"].get<double>(), 289.4e6 / 1.14e6, 1e-6);
  for (const json& r : j["categories"]) {
    if (r["category"] == "intelligent") {
      EXPECT_NEAR(ai["registry_eflops"].get<double>(), r["in_service_eflops"].get<double>(), 1e-9);
    }
  }
  // It takes no parameters, and says so.
  auto res = client_->Get("/api/v1/stats/coverage?by=hub");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("by"), std::string::npos) << res->body;
}

// CAICT's >= 500 AI cards rule on the shipped intelligent centers in service: the flag agrees with the count,
// planned centers are not listed, and small centers are named as not counted.
TEST_F(ServerTest, IntelligentCentersByTheCaictRule) {
  const json j = Get("/api/v1/stats/intelligent-centers");
  EXPECT_EQ(j["min_ai_cards"], 500);
  int counted = 0;
  bool wuchang = false;
  for (const json& c : j["centers"]) {
    EXPECT_EQ(c["counts"].get<bool>(), c["ai_cards"].get<int64_t>() >= 500) << c.dump();
    EXPECT_NE(c["id"], "suihong-qingyang-aidc");  // planned
    counted += c["counts"].get<bool>() ? 1 : 0;
    if (c["id"] == "wuchang-aidc") wuchang = !c["counts"].get<bool>() && c["ai_cards"] == 321;
  }
  EXPECT_EQ(j["counted"], counted);
  EXPECT_TRUE(wuchang) << j.dump();  // 100 P as 321 A800: below the rule
}

TEST_F(ServerTest, BadRequestsAre4xx) {
  EXPECT_EQ(Get("/api/v1/stats/capacity?by=galaxy", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(Get("/api/v1/stats/capacity?precision=int4", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(Get("/api/v1/health?verbose=1", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(Get("/api/v2/nothing", 404)["error"]["code"], "not_found");
  auto res = client_->Post("/api/v1/centers", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400);
  EXPECT_LT(res->status, 500);
}

// A raw connection that asked for /api/v1/events; Head reads up to the first event.
struct EventClient {
  int fd = -1;
  explicit EventClient(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    const std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: test\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~EventClient() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  // What arrives until `until` has (or the connection ends, or 5 s pass).
  std::string ReadUntil(std::string_view until) {
    std::string got;
    char buf[4096];
    while (got.find(until) == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

// The live state as server-sent events: the head says so and has no length, the state comes at once; the
// clients are bounded (503 past the limit, a place freed by a client that leaves); the server stops with
// streams open.
TEST_F(ServerTest, EventsStreamTheLiveStateToABoundedNumberOfClients) {
  std::vector<std::unique_ptr<EventClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<EventClient>(server_->port()));
    const std::string got = clients.back()->ReadUntil("}\n\n");
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("Content-Type: text/event-stream; charset=utf-8\r\n"), std::string::npos) << got;
    EXPECT_EQ(got.find("Content-Length"), std::string::npos) << got;
    EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
    EXPECT_NE(got.find("retry: 3000\n\nevent: live\nid: "), std::string::npos) << got;
    EXPECT_NE(got.find("data: {\"devices\":"), std::string::npos) << got;
  }
  auto metrics = client_->Get("/metrics?name=zhisuan_http_event_clients");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nzhisuan_http_event_clients 3\n"), std::string::npos) << metrics->body;
  EventClient fourth(server_->port());
  const std::string refused = fourth.ReadUntil("}}");
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("events: 3 clients are listening"), std::string::npos) << refused;
  // A client that leaves frees its place (once the loop has seen it go).
  clients.front()->Close();
  std::string again;
  for (int i = 0; i < 100 && again.rfind("HTTP/1.1 200", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EventClient next(server_->port());
    again = next.ReadUntil("\r\n\r\n");
  }
  EXPECT_EQ(again.rfind("HTTP/1.1 200", 0), 0u) << again;
  EXPECT_EQ(Get("/api/v1/events?x=1", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(Get("/api/v1/health")["status"], "ok");  // streams hold no worker
}

TEST_F(ServerTest, GarbageOnTheSocketDoesNotKillTheServer) {
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01", 6), std::string("GET /%zz%%% HTTP/9.9\r\n\r\n"),
        std::string(70000, 'A') + "\r\n\r\n", std::string("GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n")}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    (void)::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buf[512];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd);
  }
  EXPECT_EQ(Get("/api/v1/health")["status"], "ok");
}

TEST_F(ServerTest, MetricsCountRequestsAndExposeCapacity) {
  Get("/api/v1/health");
  Get("/api/v1/centers/nowhere", 404);
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string& text = res->body;
  EXPECT_NE(
      text.find("zhisuan_http_requests_total{route=\"/api/v1/health\",method=\"GET\",status=\"200\"} 1"),
      std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("route=\"/api/v1/centers/{id}\",method=\"GET\",status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_count{route=\"/api/v1/health\"} 1"),
            std::string::npos);
  EXPECT_NE(
      text.find("zhisuan_center_capacity_pflops{center=\"pengcheng-cloud-brain-2\",province=\"guangdong\","
                "precision=\"fp16\"}"),
      std::string::npos);  // Some families only, for the console's health page; an ill-formed name or another
                           // parameter is 400.
  auto some = client_->Get("/metrics?name=zhisuan_uptime_seconds,zhisuan_http_request_duration_seconds");
  ASSERT_EQ(some->status, 200);
  EXPECT_NE(some->body.find("zhisuan_uptime_seconds "), std::string::npos);
  EXPECT_NE(some->body.find("zhisuan_http_request_duration_seconds_count{route=\"/api/v1/health\"}"),
            std::string::npos);
  EXPECT_EQ(some->body.find("zhisuan_center_capacity_pflops"), std::string::npos);
  EXPECT_EQ(some->body.find("zhisuan_http_requests_total"), std::string::npos);
  EXPECT_EQ(client_->Get("/metrics?name=9lives")->status, 400);
  EXPECT_EQ(client_->Get("/metrics?format=json")->status, 400);
}

TEST_F(ServerTest, ConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      for (int i = 0; i < 25; ++i) {
        auto res = c.Get("/api/v1/stats/capacity?by=hub&precision=fp16");
        if (res && res->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
}

TEST_F(ServerTest, QuoteJsonAndYaml) {
  const std::string json_body = R"({"kind": "train", "devices": 64,
    "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]},
    "work": {"reference_hours": 48, "reference": "nvidia-a100-sxm-80gb"},
    "data": {"size_gb": 2000, "province": "beijing"}})";
  auto res = client_->Post("/api/v1/quote?top=3", json_body, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = json::parse(res->body);
  ASSERT_FALSE(j["chosen"].is_null());
  EXPECT_EQ(j["candidates"].size(), 3u);
  EXPECT_EQ(j["chosen"]["center"], j["candidates"][0]["center"]);
  EXPECT_LE(j["candidates"][0]["score"].get<double>(), j["candidates"][1]["score"].get<double>());
  EXPECT_EQ(j["rejected"].size() + j["feasible_centers"].get<size_t>(), registry().centers().size());
  const std::string yaml_body =
      "kind: train\ndevices: 64\naccelerator: {models: [huawei-ascend-910b, "
      "nvidia-a800-sxm-80gb]}\nwork: {reference_hours: 48, reference: "
      "nvidia-a100-sxm-80gb}\ndata: {size_gb: 2000, province: beijing}\n";
  res = client_->Post("/api/v1/quote?top=3", yaml_body, "application/yaml");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["chosen"], j["chosen"]);
  res = client_->Post("/api/v1/quote?objective=carbon&explain=false", yaml_body, "application/yaml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

std::string SampleIndexCsv() {
  std::ifstream in(testing::ShippedDataDir() / "index" / "sample-2023.csv");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(ServerTest, IndexComputeOnTheShippedSample) {
  const json body = {{"data_csv", SampleIndexCsv()}, {"draws", 200}, {"explain", {"北京", "上海"}}};
  auto res = client_->Post("/api/v1/index/compute", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = json::parse(res->body);
  EXPECT_EQ(j["spec"]["id"], "caict-3-0");
  ASSERT_EQ(j["regions"].size(), 31u);
  EXPECT_EQ(j["regions"][0]["rank"], 1);
  EXPECT_GE(j["regions"][0]["index"].get<double>(), j["regions"][1]["index"].get<double>());
  EXPECT_TRUE(j["regions"][0].contains("rank_interval"));
  EXPECT_EQ(j["explanation"]["a"], "北京");
  double sum = 0;
  for (const auto& c : j["explanation"]["indicators"]) sum += c["contribution"].get<double>();
  EXPECT_NEAR(sum, j["explanation"]["difference"].get<double>(), 1e-3);
  EXPECT_FALSE(j["regressions"].empty());
  // The regression is fitted on each region's covariate, which the answer carries: refit it here by hand.
  const json& gdp = j["regressions"][0];
  EXPECT_EQ(gdp["covariate"], "gdp");
  EXPECT_EQ(gdp["name_en"], "GDP");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const json& r : j["regions"]) {
    const double x = r["index"], y = r["covariates"]["gdp"];
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = 31, slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_NEAR(gdp["slope"].get<double>(), slope, 0.01 * std::abs(slope));  // the indices are rounded
  EXPECT_NEAR(gdp["intercept"].get<double>(), (sy - slope * sx) / n, 0.02 * std::abs(sy / n));
  // The seed's published slope beside ours; one year of data has no lag model and says so.
  EXPECT_EQ(gdp["published"]["slope"], 1220);
  EXPECT_EQ(gdp["published"]["source"], "seed 004:1145-1149");
  EXPECT_TRUE(j["lagged_regressions"]["fits"].empty());
  EXPECT_NE(j["lagged_regressions"]["note"].get<std::string>().find("at least two years"), std::string::npos);
  EXPECT_TRUE(j["comparable"].is_null());
  json on_base = body;
  on_base["base_year"] = 2023;
  on_base["draws"] = 0;
  auto based = client_->Post("/api/v1/index/compute", on_base.dump(), "application/json");
  ASSERT_TRUE(based);
  ASSERT_EQ(based->status, 200) << based->body;
  EXPECT_EQ(json::parse(based->body)["comparable"]["base_year"], 2023);
  // The same request gives the same answer.
  auto again = client_->Post("/api/v1/index/compute", body.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, res->body);
}

// A large answer goes gzip-compressed to a client that accepts it, and as it is to one that does not.
TEST_F(ServerTest, LargeAnswersAreGzippedForClientsThatAcceptIt) {
  const json body = {{"data_csv", SampleIndexCsv()}, {"draws", 0}};
  httplib::Client raw("127.0.0.1", server_->port());
  raw.set_decompress(false);
  auto plain =
      raw.Post("/api/v1/index/compute", {{"Accept-Encoding", "identity"}}, body.dump(), "application/json");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  ASSERT_GE(plain->body.size(), 32u * 1024) << "the answer is too small to show compression";
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  auto packed = raw.Post("/api/v1/index/compute", {{"Accept-Encoding", "gzip, deflate, br"}}, body.dump(),
                         "application/json");
  ASSERT_TRUE(packed);
  ASSERT_EQ(packed->status, 200);
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_LT(packed->body.size(), plain->body.size() / 3);
  // A client that decompresses (httplib's default) reads the same answer.
  auto read = client_->Post("/api/v1/index/compute", body.dump(), "application/json");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->body, plain->body);
}

TEST_F(ServerTest, IndexComputeErrorsAre400AndTheServerKeepsServing) {
  const std::string spec_bad_matrix = R"({"id": "t", "name": {"zh": "t", "en": "t"}, "root": {"id": "r",
    "name": {"zh": "r", "en": "r"}, "weighting": {"method": "ahp", "matrix": [[1, 2], [2, 1]]},
    "children": [{"id": "a", "name": {"zh": "a", "en": "a"}, "unit": "个", "direction": "benefit"},
                 {"id": "b", "name": {"zh": "b", "en": "b"}, "unit": "个", "direction": "benefit"}]}})";
  const struct {
    std::string body, expect;
  } cases[] = {
      {"not json", "malformed JSON"},
      {"[]", "must be a JSON object"},
      {R"({"draws": 5})", "data_csv: is required"},
      {R"({"data_csv": "region,year\n", "colour": 1})", "colour: unknown field"},
      {R"({"data_csv": 7})", "data_csv: must be a string"},
      {R"({"data_csv": "region,year,x\nA,2023,1\n"})", "column 'x': unknown indicator"},
      {R"({"data_csv": "region,year\n", "spec": )" + spec_bad_matrix + "}", "root.weighting.matrix"},
      {R"({"data_csv": "region,year\n", "draws": 100001})", "draws: must be between"},
      {R"({"data_csv": "region,year\n", "impute": "median"})", "impute: 'median'"},
      {R"({"data_csv": "region,year\n", "explain": ["a"]})", "explain: name exactly two"},
      {R"({"data_csv": "region,year\n", "lags": 9})", "lags: must be between 0 and 5"},
      {R"({"data_csv": "region,year\n", "base_year": "2023"})", "base_year: must be an integer"},
      {R"({"data_csv": "region,year\n", "base_year": -4})", "base_year: must be a year"},
      {json({{"data_csv", SampleIndexCsv()}, {"base_year", 2019}}).dump(),
       "base_year: 2019 is not in the data (it has 2023)"},
  };
  for (const auto& c : cases) {
    auto res = client_->Post("/api/v1/index/compute", c.body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << c.body << " -> " << res->body;
    EXPECT_NE(res->body.find(c.expect), std::string::npos) << res->body;
  }
  // Seeded random mutations of a valid body: every answer is 200 or 4xx, never a crash or a 500.
  const std::string valid = json({{"data_csv", SampleIndexCsv()}, {"draws", 20}}).dump();
  std::mt19937_64 rng(11);
  for (int i = 0; i < 60; ++i) {
    std::string body = valid;
    for (int k = 0; k < 4; ++k) body[rng() % body.size()] = static_cast<char>(rng() % 256);
    auto res = client_->Post("/api/v1/index/compute", body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_TRUE(res->status == 200 || (res->status >= 400 && res->status < 500))
        << res->status << " " << res->body;
  }
  auto health = client_->Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerTest, QuoteErrorsAre400WithFieldPaths) {
  auto res =
      client_->Post("/api/v1/quote", "kind: train\ndevices: 0\nwork: {pflop: 1}\n", "application/yaml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  const json j = json::parse(res->body);
  EXPECT_EQ(j["error"]["code"], "validation_error");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("request body:2: devices: must be >= 1 (got 0)"),
            std::string::npos);
  res = client_->Post("/api/v1/quote?objective=vibes", "kind: train", "application/yaml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

// Seeded random-input fuzz of the quote handler: every answer is 200 or 4xx and the server keeps serving.
TEST_F(ServerTest, QuoteFuzzNeverCrashesOrAnswers5xx) {
  const std::string base =
      "kind: train\ndevices: 8\naccelerator: {models: [huawei-ascend-910b]}\n"
      "work: {reference_hours: 10, reference: nvidia-a100-sxm-80gb}\n"
      "data: {size_gb: 10, province: beijing}\ndeadline_h: 30\n";
  const std::string tokens[] = {"{",        "}",       "[",    "]",   ":",   ",",    "\"",  "-",
                                "1e308",    "-1",      "null", "\n",  " ",   "\t",   "&x",  "*x",
                                "!!binary", "devices", "kind", "0.0", "NaN", "\x00", "\xff"};
  uint64_t state = 42;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (int i = 0; i < 300; ++i) {
    std::string body = base;
    for (int k = 1 + static_cast<int>(next() % 5); k > 0; --k) {
      const size_t at = next() % (body.size() + 1);
      if (next() % 2)
        body.insert(at, tokens[next() % std::size(tokens)]);
      else if (at < body.size())
        body.erase(at, 1 + next() % 6);
    }
    auto res = client_->Post("/api/v1/quote", body, "application/yaml");
    ASSERT_TRUE(res) << "request " << i << " got no answer";
    EXPECT_TRUE(res->status == 200 || (res->status >= 400 && res->status < 500))
        << "status " << res->status << " for body:\n"
        << body << "\n"
        << res->body;
  }
  EXPECT_EQ(Get("/api/v1/health")["status"], "ok");
}

TEST(HttpServerCreate, PlatformDefaultPolicyAndObjective) {
  const Registry r = testing::TinyRegistry();
  ServerOptions options{"127.0.0.1", 0, 2};
  options.policy = "first-fit";
  options.objective = "carbon";
  auto server = HttpServer::Create(r, 1, options);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  std::thread t([&] { (*server)->Run(); });
  httplib::Client c("127.0.0.1", (*server)->port());
  const std::string job = "kind: train\ndevices: 8\naccelerator: {models: [acc-a]}\nwork: {pflop: 10}\n";
  auto res = c.Post("/api/v1/quote", job, "application/yaml");
  ASSERT_TRUE(res);
  json j = json::parse(res->body);
  EXPECT_EQ(j["policy"], "first-fit");
  EXPECT_EQ(j["objective"], "carbon");
  res = c.Post("/api/v1/quote?policy=lowest-cost&objective=cost", job, "application/yaml");
  ASSERT_TRUE(res);
  j = json::parse(res->body);
  EXPECT_EQ(j["policy"], "lowest-cost");  // the request's own choice wins
  EXPECT_EQ(j["objective"], "cost");
  (*server)->Stop();
  t.join();
  options.policy = "psychic";
  auto bad = HttpServer::Create(r, 1, options);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("policy: unknown policy 'psychic'"), std::string::npos);
}

TEST(HttpServerCreate, RejectsBadOptions) {
  const Registry r = testing::TinyRegistry();
  auto s = HttpServer::Create(r, 1, {"127.0.0.1", 70000, 4});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "port: must be between 0 and 65535 (got 70000)");
  auto taken = HttpServer::Create(r, 1, {"127.0.0.1", 0, 4});
  ASSERT_TRUE(taken.has_value());
  auto clash = HttpServer::Create(r, 1, {"127.0.0.1", (*taken)->port(), 4});
  ASSERT_FALSE(clash.has_value());
  EXPECT_EQ(clash.error().code, ErrorCode::kIo);
}

TEST_F(ServerTest, TheConsoleAndItsAssetsWithTheirTypesAndPolicy) {
  for (const auto& [path, type] : {std::pair{"/", "text/html; charset=utf-8"},
                                   {"/console/app.js", "text/javascript; charset=utf-8"},
                                   {"/console/lib.js", "text/javascript; charset=utf-8"},
                                   {"/console/app.css", "text/css; charset=utf-8"},
                                   {"/console/echarts.js", "text/javascript; charset=utf-8"},
                                   {"/console/china.json", "application/json"}}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), type) << path;
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos)
        << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_GT(res->body.size(), 100u) << path;
  }
  // ECharts is sent compressed once at start (zlib's best level) to a browser that accepts gzip, and a
  // browser revalidating its copy gets 304 without a byte of it.
  httplib::Client raw("127.0.0.1", server_->port());
  raw.set_decompress(false);
  auto plain = raw.Get("/console/echarts.js", {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->get_header_value("Vary"), "Accept-Encoding");
  const std::string etag = plain->get_header_value("ETag");
  EXPECT_EQ(etag.front(), '"');
  auto packed = raw.Get("/console/echarts.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->status, 200);
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->get_header_value("ETag"), etag);
  EXPECT_LT(packed->body.size(), plain->body.size() / 2);
  auto read = client_->Get("/console/echarts.js", {{"Accept-Encoding", "gzip"}});  // decompressing
  ASSERT_TRUE(read);
  EXPECT_EQ(read->body, plain->body);
  auto again = raw.Get("/console/echarts.js", {{"If-None-Match", etag}, {"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(raw.Get("/console/echarts.js", {{"If-None-Match", "\"stale\""}})->status, 200);
  // Every module the console's start module loads (its imports and its pages, loaded on their first visit) is
  // served as JavaScript, and so is what those modules import.
  std::vector<std::string> modules = {"/console/app.js"};
  std::set<std::string> seen;
  for (size_t i = 0; i < modules.size(); ++i) {
    auto res = client_->Get(modules[i]);
    ASSERT_TRUE(res && res->status == 200) << modules[i];
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/javascript; charset=utf-8") << modules[i];
    const std::string base = modules[i].substr(0, modules[i].rfind('/') + 1);
    static const std::regex kImport(R"((?:from|import\()\s*'(\.{1,2}/[^']+\.js)')");
    for (auto m = std::sregex_iterator(res->body.begin(), res->body.end(), kImport);
         m != std::sregex_iterator(); ++m) {
      std::string to = (*m)[1];
      std::string dir = base;
      if (to.starts_with("../")) {
        dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
        to = to.substr(3);
      } else {
        to = to.substr(2);
      }
      if (seen.insert(dir + to).second) modules.push_back(dir + to);
    }
  }
  EXPECT_GE(modules.size(), 13u);  // app, lib, core, widgets and the nine pages
  EXPECT_TRUE(seen.contains("/console/pages/network.js"));
  for (const std::string& module : seen) {  // each page of the console is its page as a path too
    if (!module.starts_with("/console/pages/")) continue;
    const std::string page = "/" + module.substr(15, module.size() - 15 - 3);
    auto res = client_->Get(page);
    ASSERT_TRUE(res) << page;
    EXPECT_EQ(res->status, 200) << page << " (add it to kConsolePages)";
  }
  EXPECT_TRUE(seen.contains("/console/core.js"));
  // The connection is still usable after a 304 (no body was framed).
  EXPECT_EQ(raw.Get("/console/app.css")->status, 200);
  EXPECT_NE(client_->Get("/")->body.find("/console/app.js"), std::string::npos);
  // The console's pages as paths are the console's page (it turns them into its '#' routes); others are 404.
  const std::string index = client_->Get("/")->body;
  for (const char* route : {"/network", "/centers", "/centers/wuhan-aicc", "/jobs", "/jobs/12", "/submit",
                            "/usage", "/index", "/simulations", "/health", "/audit", "/jobs?state=running"}) {
    auto res = client_->Get(route);
    ASSERT_TRUE(res) << route;
    EXPECT_EQ(res->status, 200) << route;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << route;
    EXPECT_EQ(res->body, index) << route;
  }
  EXPECT_EQ(client_->Get("/nowhere")->status, 404);
  EXPECT_EQ(client_->Get("/centers/a/b")->status, 404);
  // Unknown console files are 404.
  EXPECT_EQ(client_->Get("/console/nope.js")->status, 404);
  EXPECT_EQ(client_->Get("/console/../data/regions.yaml")->status, 404);
  // The shipped indicator data the index page computes from.
  auto sample = client_->Get("/api/v1/index/sample");
  ASSERT_TRUE(sample);
  EXPECT_EQ(sample->status, 200);
  EXPECT_EQ(sample->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(sample->body.find("region,year"), std::string::npos);
}

// The console's modules are the plain .js and .css names of web/console and web/console/pages: nothing else
// there (a dotfile, an editor's backup, notes) is served.
TEST(ServerConsole, OnlyTheConsolesOwnModulesAreServed) {
  testing::TempDir dir;
  const auto write = [&](const std::string& file, const std::string& text) {
    std::filesystem::create_directories((dir.path() / file).parent_path());
    std::ofstream(dir.path() / file) << text;
  };
  for (const char* file :
       {"console/index.html", "console/app.js", "console/core.js", "console/app.css",
        "console/pages/network.js", "console/.secret.js", "console/app.js~", "console/notes.txt",
        "console/pages/a.b.js", "build/echarts.js", "node_modules/echarts4/map/json/china.json"}) {
    write(file, std::string("content of ") + file);
  }
  auto console = views::Console::Load(dir.path().string());
  ASSERT_TRUE(console) << console.error().message;
  for (const char* served : {"/", "/console/app.js", "/console/core.js", "/console/app.css",
                             "/console/pages/network.js", "/console/echarts.js", "/console/china.json"}) {
    EXPECT_NE(console->Find(served), nullptr) << served;
  }
  EXPECT_EQ(console->Find("/console/pages/network.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(console->Find("/console/app.css")->content_type, "text/css; charset=utf-8");
  for (const char* hidden : {"/console/.secret.js", "/console/app.js~", "/console/notes.txt",
                             "/console/pages/a.b.js", "/console/index.html"}) {
    EXPECT_EQ(console->Find(hidden), nullptr) << hidden;
  }
}

// The loop's limit of requests per second from one address (serve --rate-per-address): a burst of twice the
// rate, then 429 with Retry-After, and the server serving on.
TEST(ServerRate, RequestsPastAnAddresssRateAreRefused) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "zhisuan.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened);
  ServerOptions options{"127.0.0.1", 0, 2};
  options.requests_per_s_per_address = 1;  // bursts of 2
  auto server = HttpServer::Create(opened->registry, opened->store->SchemaVersion(), options);
  ASSERT_TRUE(server) << server.error().message;
  std::thread serving([&] { (*server)->Run(); });
  httplib::Client client("127.0.0.1", (*server)->port());
  int ok = 0, refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = client.Get("/api/v1/health");
    ASSERT_TRUE(r);
    if (r->status == 200) ++ok;
    if (r->status == 429) {
      ++refused;
      EXPECT_EQ(r->get_header_value("Retry-After"), "1");
      EXPECT_NE(r->body.find("this address's rate limit is reached"), std::string::npos) << r->body;
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(ok + refused, 40);
  (*server)->Stop();
  serving.join();
}

TEST(ServerConsole, AMissingConsoleFileIsNamedAtStart) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "zhisuan.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened);
  ServerOptions options{"127.0.0.1", 0, 2};
  options.web_dir = dir.path().string();
  auto server = HttpServer::Create(opened->registry, opened->store->SchemaVersion(), options);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("console/index.html: cannot read"), std::string::npos)
      << server.error().message;
}

}  // namespace
}  // namespace zhisuan
