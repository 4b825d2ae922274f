// server/jobs_api_fixture.h — the job API tests' server: the shipped network with simulated backends (sim
// factor 1e-5), two tenants and an operator, over loopback HTTP (jobs_api_test.cc, live_api_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "lifecycle/backends.h"
#include "lifecycle/service.h"
#include "model/enums.h"
#include "server/http_server.h"
#include "server/job_view.h"
#include "store/job_store.h"
#include "store/leader_lease.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"
#include "util/limits.h"

namespace zhisuan {

using json = nlohmann::json;

inline double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class JobsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string db = (dir_.path() / "z.db").string();
    auto opened = OpenRegistry(db, testing::ShippedDataDir());
    ASSERT_TRUE(opened) << opened.error().message;
    opened_ = std::make_unique<OpenedRegistry>(std::move(*opened));
    auto store = JobStore::Open(db);
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    for (const auto& [tenant, role, token] :
         {std::tuple{"acme", "tenant", &acme_}, std::tuple{"zeta", "tenant", &zeta_},
          std::tuple{"ops", "operator", &ops_}}) {
      *token = *lifecycle::NewToken();
      ASSERT_TRUE(store_->AddToken(lifecycle::HashToken(*token), {tenant, role}, Now()));
    }
    service_ = NewService();
    ASSERT_TRUE(service_);
    ServerOptions options{"127.0.0.1", 0, 8};
    options.national_path = (testing::ShippedDataDir() / "national" / "compute-2023.yaml").string();
    options.traces_dir = (testing::ShippedDataDir() / "traces").string();
    options.scratch_dir = dir_.path().string();
    options.anonymous_reads_per_s = 0;  // the tests read without a token as fast as they like (but one)
    Adjust(options);
    auto server =
        HttpServer::Create(opened_->registry, opened_->store->SchemaVersion(), options, service_.get());
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    if (service_) service_->Stop();
  }

  // A job service on the fixture's database, started (what a restarted server has).
  std::unique_ptr<lifecycle::JobService> NewService(double sample_interval_s = 30) {
    // 1e-5: a modelled hour takes 36 ms.
    auto backends =
        lifecycle::MakeBackends(opened_->registry, "test", "sim_factor: 0.00001", dir_.path().string(), Now);
    EXPECT_TRUE(backends) << backends.error().message;
    if (!backends) return nullptr;
    lifecycle::ServiceOptions options;
    options.tick_s = 0.005;
    options.poll_interval_s = 0.01;
    options.sample_interval_s = sample_interval_s;
    auto service =
        lifecycle::JobService::Create(opened_->registry, *store_, std::move(*backends), options, Now);
    EXPECT_TRUE(service) << service.error().message;
    if (!service || !(*service)->Start()) return nullptr;
    return std::move(*service);
  }

  // A replica on the fixture's database, started: it leads when it finds the lease free, else follows.
  std::unique_ptr<lifecycle::JobService> NewReplica(const std::string& replica_id) {
    auto backends =
        lifecycle::MakeBackends(opened_->registry, "test", "sim_factor: 0.00001", dir_.path().string(), Now);
    EXPECT_TRUE(backends) << backends.error().message;
    if (!backends) return nullptr;
    lifecycle::ServiceOptions options;
    auto lease = LeaderLease::Open((dir_.path() / "z.db").string());
    EXPECT_TRUE(lease) << lease.error().message;
    if (!lease) return nullptr;
    options.lease = std::move(*lease);
    options.replica_id = replica_id;
    options.sample_interval_s = 0.1;
    auto service =
        lifecycle::JobService::Create(opened_->registry, *store_, std::move(*backends), options, Now);
    EXPECT_TRUE(service) << service.error().message;
    if (!service || !(*service)->Start()) return nullptr;
    return std::move(*service);
  }

  httplib::Headers Auth(const std::string& token, const std::string& key = "") {
    httplib::Headers h = {{"Authorization", "Bearer " + token}};
    if (!key.empty()) h.emplace("Idempotency-Key", key);
    return h;
  }
  json Submit(const std::string& token, const json& spec, int expect = 201, const std::string& key = "") {
    auto r = client_->Post("/api/v1/jobs", Auth(token, key), spec.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << r->body;
    return json::parse(r->body);
  }
  json Get(const std::string& token, int64_t id) {
    auto r = client_->Get("/api/v1/jobs/" + std::to_string(id), Auth(token));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r ? json::parse(r->body) : json();
  }
  json WaitFor(const std::string& token, int64_t id, const std::string& state) {
    json j;
    for (int i = 0; i < 500; ++i) {
      j = Get(token, id);
      if (j["state"] == state) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << id << " never became " << state << ": " << j.dump();
    return j;
  }
  // A fixture's own server options.
  virtual void Adjust(ServerOptions&) {}
  static json Train(int devices, double hours, const std::string& province = "") {
    json j = {{"kind", "train"},
              {"devices", devices},
              {"accelerator", {{"models", {"huawei-ascend-910b"}}}},
              {"work", {{"reference_hours", hours}, {"reference", "huawei-ascend-910b"}}}};
    if (!province.empty()) j["residency"] = {{"provinces", {province}}};
    return j;
  }

  testing::TempDir dir_;
  std::unique_ptr<OpenedRegistry> opened_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<lifecycle::JobService> service_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  std::string acme_, zeta_, ops_;
};

}  // namespace zhisuan
