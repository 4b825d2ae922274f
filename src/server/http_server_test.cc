// Integration: the real server on port 0 over the shipped dataset, stored in a temporary SQLite file, queried
// over loopback HTTP.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "accounting/capacity.h"
#include "store/registry_source.h"
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
    auto server = HttpServer::Create(opened_->registry, opened_->store->SchemaVersion(), {"127.0.0.1", 0, 4});
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
  EXPECT_EQ(j["schema_version"], 1);
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
      EXPECT_NEAR(sum, accounting::NationalCapacity(registry(), measure).tflops / 1000.0, 1e-6) << by << precision;
      EXPECT_NEAR(j["total"]["pflops"].get<double>(), sum, 1e-6);
    }
  }
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

TEST_F(ServerTest, GarbageOnTheSocketDoesNotKillTheServer) {
  for (const std::string& garbage : {std::string("\x16\x03\x01\x02\x00\x01", 6), std::string("GET /%zz%%% HTTP/9.9\r\n\r\n"),
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
  EXPECT_NE(text.find("zhisuan_http_requests_total{route=\"/api/v1/health\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("route=\"/api/v1/centers/{id}\",method=\"GET\",status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_count{route=\"/api/v1/health\"} 1"), std::string::npos);
  EXPECT_NE(text.find("zhisuan_center_capacity_pflops{center=\"pengcheng-cloud-brain-2\",province=\"guangdong\","
                      "precision=\"fp16\"}"),
            std::string::npos);
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

}  // namespace
}  // namespace zhisuan
