// The live state over the job API: a running job's cost so far, reads without a token bounded per address,
// the network added up by the server, server-sent events, the live history (jobs_api_fixture.h).
#include "server/jobs_api_fixture.h"

namespace zhisuan {
namespace {

// A running job's cost so far, by hand: its estimate per hour of run, times the hours it has run in its
// backend's time; the transfer fee whole. Null for a job that does not run.
TEST(JobView, CostSoFarOfARunningJob) {
  JobRecord r;
  r.state = JobState::kRunning;
  r.devices = 8;
  r.started_at = 1000;
  r.decision = R"({"run_h": 2, "time_scale": 3, "estimate": {"price_cny": 100, "transfer_fee_cny": 10,
                   "energy_kwh": 50, "carbon_kg": 20}})";
  const json j = views::JobJson(r, 1000 + 600);  // 10 minutes of clock: 0.5 h of run at 3x
  const json& s = j["so_far"];
  EXPECT_DOUBLE_EQ(s["hours"], 0.5);
  EXPECT_DOUBLE_EQ(s["device_hours"], 4);
  EXPECT_DOUBLE_EQ(s["price_cny"], 25);
  EXPECT_DOUBLE_EQ(s["transfer_fee_cny"], 10);
  EXPECT_DOUBLE_EQ(s["bill_cny"], 35);
  EXPECT_DOUBLE_EQ(s["energy_kwh"], 12.5);
  EXPECT_DOUBLE_EQ(s["carbon_kg"], 5);
  EXPECT_DOUBLE_EQ(s["of_estimate"], 0.25);
  EXPECT_DOUBLE_EQ(views::JobJson(r, 900)["so_far"]["hours"], 0);  // a clock behind the start counts none
  r.state = JobState::kSucceeded;
  EXPECT_TRUE(views::JobJson(r, 1600)["so_far"].is_null());
  r.state = JobState::kRunning;
  r.decision = R"({"run_h": 0, "estimate": {"price_cny": 100}})";
  EXPECT_TRUE(views::JobJson(r, 1600)["so_far"].is_null());
  r.decision = "not json";
  EXPECT_TRUE(views::JobJson(r, 1600)["so_far"].is_null());
}

// The API's: a running job's cost grows as it runs, in the list too, and its bill when it ends is at least
// the last cost so far (the same rates, a little later).
TEST_F(JobsApiTest, ARunningJobShowsItsCostSoFar) {
  const int64_t id = Submit(acme_, Train(8, 10000))["id"];
  const json first = WaitFor(acme_, id, "running");
  ASSERT_TRUE(first["so_far"].is_object()) << first.dump();
  const json decision = first["decision"];
  EXPECT_DOUBLE_EQ(decision["time_scale"], 100000);  // sim_factor 0.00001
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const json later = Get(acme_, id);
  EXPECT_GT(later["so_far"]["hours"], first["so_far"]["hours"]);
  EXPECT_GT(later["so_far"]["price_cny"], first["so_far"]["price_cny"]);
  const double rate = decision["estimate"]["price_cny"].get<double>() / decision["run_h"].get<double>();
  EXPECT_NEAR(later["so_far"]["price_cny"].get<double>() / later["so_far"]["hours"].get<double>(), rate,
              1e-6 * rate);
  EXPECT_DOUBLE_EQ(later["so_far"]["transfer_fee_cny"], decision["estimate"]["transfer_fee_cny"]);
  EXPECT_TRUE(later["accounting"].is_null());
  auto list = client_->Get("/api/v1/jobs?state=running", Auth(acme_));
  ASSERT_TRUE(list && list->status == 200);
  const json listed = json::parse(list->body)["jobs"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_GE(listed[0]["so_far"]["hours"], later["so_far"]["hours"]);
  const double last = Get(acme_, id)["so_far"]["bill_cny"];
  auto cancelled = client_->Delete("/api/v1/jobs/" + std::to_string(id), Auth(acme_));
  ASSERT_TRUE(cancelled && cancelled->status == 200) << (cancelled ? cancelled->body : "no answer");
  const json ended = Get(acme_, id);
  EXPECT_EQ(ended["state"], "cancelled");
  EXPECT_TRUE(ended["so_far"].is_null());
  ASSERT_TRUE(ended["accounting"].is_object()) << ended.dump();
  EXPECT_GE(ended["accounting"]["bill_fen"].get<double>() / 100, last - 0.01);
}

// Quotes and the live state without a token are a few a second from one address (made under the scheduler's
// lock, with CPU it shares); a tenant's token is not limited, and a made-up token is 401 rather than a way
// around the limit.
class AnonymousReadsTest : public JobsApiTest {
  void Adjust(ServerOptions& options) override { options.anonymous_reads_per_s = 1; }  // bursts of 2
};

TEST_F(AnonymousReadsTest, AreBoundedPerAddressAndRoute) {
  const std::string spec = Train(8, 1).dump();
  int ok = 0, limited = 0;
  std::string refusal;
  for (int i = 0; i < 60; ++i) {
    auto r = client_->Post("/api/v1/quote", spec, "application/json");
    ASSERT_TRUE(r);
    if (r->status == 200) ++ok;
    if (r->status == 429) {
      ++limited;
      refusal = r->body;
      EXPECT_EQ(r->get_header_value("Retry-After"), "1");
    }
  }
  EXPECT_GE(ok, 2);  // the burst: twice the rate (1 a second here)
  EXPECT_LT(ok, 60);
  EXPECT_EQ(ok + limited, 60);
  EXPECT_NE(refusal.find("quote: without a token, 1 a second from one address"), std::string::npos)
      << refusal;
  for (int i = 0; i < 5; ++i) {
    auto r = client_->Post("/api/v1/quote", Auth(acme_), spec, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  auto forged = client_->Post("/api/v1/quote", Auth("zs_made-up"), spec, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401) << forged->body;
  // The live state has its own bucket: answered, then refused the same way; with a token, answered.
  EXPECT_EQ(client_->Get("/api/v1/live?pools=false")->status, 200);
  int refused = 0;
  for (int i = 0; i < 60 && refused == 0; ++i) {
    auto r = client_->Get("/api/v1/live?pools=false");
    ASSERT_TRUE(r);
    if (r->status == 429) {
      ++refused;
      EXPECT_NE(r->body.find("live: without a token, 1 a second from one address"), std::string::npos)
          << r->body;
    }
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(client_->Get("/api/v1/live?pools=false", Auth(ops_))->status, 200);
}

// The console's first screen from the server: totals, hubs and provinces added up over the registry joined
// with the live state, a filter by province or hub, a page of centers; and the live state's summary and one
// center. Checked against /api/v1/live and /api/v1/centers, which hold the same figures one center at a time.
TEST_F(JobsApiTest, TheNetworkAddedUpByTheServerAndTheLiveStateInPart) {
  const json running = WaitFor(acme_, Submit(acme_, Train(8, 10000))["id"], "running");
  const std::string where = running["center"];
  auto drained = client_->Post("/api/v1/centers/cmcc-hohhot-aidc/drain", Auth(ops_), "", "application/json");
  ASSERT_TRUE(drained && drained->status == 200) << (drained ? drained->body : "no answer");
  const json live = json::parse(client_->Get("/api/v1/live")->body);
  const json centers = json::parse(client_->Get("/api/v1/centers")->body)["centers"];
  auto answer = client_->Get("/api/v1/network");
  ASSERT_EQ(answer->status, 200) << answer->body;
  const json n = json::parse(answer->body);
  EXPECT_TRUE(n["live"]);
  const json& t = n["totals"];
  EXPECT_EQ(t["centers"], 30);
  EXPECT_EQ(t["devices"], live["devices"]);
  EXPECT_EQ(t["busy"], 8);
  EXPECT_EQ(t["free"], live["free"]);
  EXPECT_EQ(t["draining"], 1);
  EXPECT_EQ(t["down"], 0);
  // Capacity in service, and planned apart, as the registry's centers add up.
  double fp16 = 0, planned = 0;
  std::map<std::string, int> per_hub;
  bool outside_clusters = false;
  for (const json& c : centers) {
    outside_clusters = outside_clusters || c["cluster"].is_null();
    (c["status"]["value"] == "in_service" ? fp16 : planned) += c["capacity_pflops"]["fp16"].get<double>();
    ++per_hub[c["hub"].is_null() ? "" : c["hub"].get<std::string>()];
  }
  EXPECT_NEAR(t["fp16"].get<double>(), fp16, 1e-6);
  EXPECT_NEAR(t["planned_fp16"].get<double>(), planned, 1e-6);
  EXPECT_GT(planned, 0);
  // Every hub and cluster is listed, those without centers too (the 8 hubs, the 10 clusters), then the
  // centers outside them; by kind, every center once.
  const json regions = json::parse(client_->Get("/api/v1/regions")->body);
  ASSERT_EQ(n["by_hub"].size(), regions["hubs"].size() + (per_hub.contains("") ? 1 : 0));
  for (const json& h : n["by_hub"]) {
    EXPECT_EQ(h["centers"], per_hub[h["hub"].is_null() ? "" : h["hub"].get<std::string>()]) << h.dump();
    EXPECT_EQ(h["name_zh"].is_null(), h["hub"].is_null()) << h.dump();
  }
  EXPECT_EQ(n["by_cluster"].size(), regions["clusters"].size() + (outside_clusters ? 1 : 0));
  int64_t cluster_centers = 0, kind_centers = 0;
  for (const json& k : n["by_cluster"]) cluster_centers += k["centers"].get<int64_t>();
  for (const json& k : n["by_kind"]) kind_centers += k["centers"].get<int64_t>();
  EXPECT_EQ(cluster_centers, 30);
  EXPECT_EQ(kind_centers, 30);
  int64_t province_devices = 0, marker_centers = 0;
  for (const json& p : n["by_province"]) province_devices += p["devices"].get<int64_t>();
  for (const json& m : n["markers"]) marker_centers += m["centers"].get<int64_t>();
  EXPECT_EQ(province_devices, live["devices"]);
  EXPECT_EQ(marker_centers, 30);
  // A page of 100 by default: here every center, with its live figures.
  EXPECT_EQ(n["centers"]["count"], 30);
  ASSERT_EQ(n["centers"]["items"].size(), 30u);
  for (const json& c : n["centers"]["items"]) {
    if (c["id"] == where) {
      EXPECT_GE(c["busy"].get<int64_t>(), 8);
    }
    if (c["id"] == "cmcc-hohhot-aidc") {
      EXPECT_EQ(c["state"], "draining");
    }
  }
  // Filters: a province's centers, the centers outside the hubs; paging.
  const json gd = json::parse(client_->Get("/api/v1/network?province=guangdong&limit=2&offset=1")->body);
  EXPECT_EQ(gd["totals"]["centers"], 4);
  EXPECT_EQ(gd["centers"]["count"], 4);
  ASSERT_EQ(gd["centers"]["items"].size(), 2u);
  EXPECT_EQ(gd["by_province"].size(), n["by_province"].size());  // the map's colours stay the whole network's
  for (const json& c : gd["centers"]["items"]) EXPECT_EQ(c["province"], "guangdong");
  const json none = json::parse(client_->Get("/api/v1/network?hub=none")->body);
  EXPECT_EQ(none["totals"]["centers"], per_hub[""]);
  for (const char* bad :
       {"/api/v1/network?province=atlantis", "/api/v1/network?hub=mars", "/api/v1/network?limit=5001",
        "/api/v1/network?offset=-1", "/api/v1/network?limit=1x", "/api/v1/network?sort=name",
        "/api/v1/live?pools=maybe"}) {
    auto r = client_->Get(bad);
    EXPECT_EQ(r->status, 400) << bad << " " << r->body;
  }
  // The live state without pools (the centers' totals), and one center with its pools.
  const json summary = json::parse(client_->Get("/api/v1/live?pools=false")->body);
  ASSERT_EQ(summary["centers"].size(), 30u);
  EXPECT_EQ(summary["busy"], live["busy"]);
  EXPECT_FALSE(summary["centers"][0].contains("pools"));
  EXPECT_LT(client_->Get("/api/v1/live?pools=false")->body.size(), live.dump().size() / 2);
  const json one = json::parse(client_->Get("/api/v1/live?center=" + where)->body);
  ASSERT_EQ(one["centers"].size(), 1u);
  EXPECT_EQ(one["centers"][0]["id"], where);
  EXPECT_GE(one["busy"].get<int64_t>(), 8);
  EXPECT_FALSE(one["centers"][0]["pools"].empty());
  EXPECT_EQ(client_->Get("/api/v1/live?center=nowhere")->status, 404);
}

// The live state pushed as it changes: a job that starts shows as an event with its busy devices, without
// asking again.
TEST_F(JobsApiTest, LiveEventsFollowTheNetwork) {
  httplib::Client events("127.0.0.1", server_->port());
  events.set_read_timeout(10, 0);
  std::string seen;
  bool submitted = false;
  auto res = events.Get("/api/v1/events", [&](const char* data, size_t size) {
    seen.append(data, size);
    if (!submitted && seen.find("\"busy\":0") != std::string::npos) {
      submitted = true;
      Submit(acme_, Train(8, 10000));
    }
    return seen.find("\"busy\":8") == std::string::npos;  // until the job's devices show
  });
  EXPECT_TRUE(submitted) << seen;
  EXPECT_NE(seen.find("event: live\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"busy\":8"), std::string::npos) << seen;
}

TEST_F(JobsApiTest, LiveStateHistoryAndWhoAmI) {
  const int64_t id = Submit(acme_, Train(8, 10000))["id"];
  WaitFor(acme_, id, "running");
  auto live = client_->Get("/api/v1/live");
  ASSERT_EQ(live->status, 200) << live->body;
  const json l = json::parse(live->body);
  EXPECT_EQ(l["centers"].size(), 30u);
  EXPECT_EQ(l["busy"], 8);
  EXPECT_EQ(l["free"].get<int64_t>() + 8, l["devices"].get<int64_t>());
  // A planned center is listed with its status but has no devices free or busy.
  for (const json& c : l["centers"]) {
    if (c["id"] != "suihong-qingyang-aidc") continue;
    EXPECT_EQ(c["status"], "planned");
    EXPECT_EQ(c["devices"], 0);
    EXPECT_EQ(c["free"], 0);
    EXPECT_EQ(c["pools"][0]["status"], "planned");
  }
  auto history = client_->Get("/api/v1/live/history");
  ASSERT_EQ(history->status, 200) << history->body;
  const json h = json::parse(history->body);
  ASSERT_GE(h["t"].size(), 1u);  // the loop samples at its start
  EXPECT_EQ(h["t"].size(), h["busy"].size());
  EXPECT_EQ(h["t"].size(), h["power_kw"].size());
  EXPECT_EQ(h["t"].size(), h["carbon_kg_per_h"].size());
  EXPECT_EQ(h["devices"], l["devices"]);
  EXPECT_EQ(client_->Get("/api/v1/live/history?center=nowhere")->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/live/history?since=soon")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/live/history?center=cmcc-hohhot-aidc&since=0")->status, 200);
  auto me = client_->Get("/api/v1/me", Auth(acme_));
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["tenant"], "acme");
  EXPECT_EQ(json::parse(me->body)["role"], "tenant");
  EXPECT_EQ(json::parse(client_->Get("/api/v1/me", Auth(ops_))->body)["role"], "operator");
  EXPECT_EQ(client_->Get("/api/v1/me")->status, 401);
}

}  // namespace
}  // namespace zhisuan
