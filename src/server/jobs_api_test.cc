// The job API over loopback HTTP on the shipped network with simulated backends: the lifecycle, quotas,
// drain, token errors, and a seeded fuzz of the job-spec parser and the handlers (every answer 2xx or 4xx,
// never 5xx).
#include "server/jobs_api_fixture.h"

namespace zhisuan {
namespace {

TEST_F(JobsApiTest, AJobGoesThroughEveryStateAndIsAccounted) {
  const json accepted = Submit(acme_, Train(8, 1));
  ASSERT_EQ(accepted["tenant"], "acme");
  const json done = WaitFor(acme_, accepted["id"], "succeeded");
  std::vector<std::string> states;
  for (const json& e : done["history"]) states.push_back(e["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"pending", "placed", "dispatched", "running", "succeeded"}));
  EXPECT_EQ(done["backend"], "sim");
  ASSERT_FALSE(done["decision"].is_null());
  EXPECT_FALSE(done["decision"]["why"].get<std::string>().empty());
  // The sim backend accounts the modelled run: devices x run_h device-hours, billed at the pool's price in
  // fen.
  const double run_h = done["decision"]["run_h"], dh = done["accounting"]["device_hours"];
  EXPECT_NEAR(dh, 8 * run_h, 8 * run_h * 0.01);
  const double price_per_dh = done["decision"]["estimate"]["price_cny"].get<double>() / (8 * run_h);
  EXPECT_NEAR(done["accounting"]["price_fen"].get<double>(), dh * price_per_dh * 100, 1.0);
  auto usage = client_->Get("/api/v1/usage?by=tenant", Auth(acme_));
  ASSERT_TRUE(usage && usage->status == 200);
  EXPECT_EQ(json::parse(usage->body)["groups"][0]["jobs"], 1);
  // By accelerator and by center, a tenant reads its own jobs; an operator every tenant's, or one's.
  const json run_by_zeta = WaitFor(zeta_, Submit(zeta_, Train(8, 1))["id"], "succeeded");
  auto usage_of = [&](const std::string& token, const std::string& query) {
    auto r = client_->Get("/api/v1/usage?" + query, Auth(token));
    EXPECT_TRUE(r && r->status == 200) << query << ": " << (r ? r->body : "no answer");
    return r ? json::parse(r->body) : json();
  };
  const json mine = usage_of(acme_, "by=accelerator");
  EXPECT_EQ(mine["tenant"], "acme");
  ASSERT_EQ(mine["groups"].size(), 1u) << mine.dump();
  EXPECT_EQ(mine["groups"][0]["accelerator"], "huawei-ascend-910b");
  EXPECT_EQ(mine["groups"][0]["jobs"], 1);
  EXPECT_EQ(mine["groups"][0]["bill_fen"], done["accounting"]["bill_fen"]);
  EXPECT_EQ(usage_of(acme_, "by=center")["groups"][0]["center"], done["center"]);
  EXPECT_EQ(usage_of(acme_, "by=center")["groups"][0]["jobs"], 1);
  const json all = usage_of(ops_, "by=accelerator");
  EXPECT_TRUE(all["tenant"].is_null());
  EXPECT_EQ(all["groups"][0]["jobs"], 2) << all.dump();  // acme's and zeta's, on the same model
  EXPECT_EQ(usage_of(ops_, "by=accelerator&tenant=zeta")["groups"][0]["bill_fen"],
            run_by_zeta["accounting"]["bill_fen"]);
  auto other = client_->Get("/api/v1/usage?by=accelerator&tenant=zeta", Auth(acme_));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;
  EXPECT_NE(other->body.find("tenant: you may read the usage of tenant 'acme' only"), std::string::npos);
  auto bad = client_->Get("/api/v1/usage?by=model", Auth(acme_));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("by: 'model' is not one of: tenant, center, accelerator"), std::string::npos);
}

// Issue 16: who demands compute. An operator gives tenants a sector and a home province; the demand report
// sets their finished work by sector (beside CAICT's national shares), by home province and by the hub that
// ran it. Bad settings are 400 naming the field; tenants may not read it.
TEST_F(JobsApiTest, DemandBySectorHomeProvinceAndSupplyHub) {
  auto put = [&](const std::string& tenant, const json& body) {
    return client_->Put("/api/v1/tenants/" + tenant + "/limits", Auth(ops_), body.dump(), "application/json");
  };
  for (const auto& [body, expect] :
       {std::pair{json{{"sector", "Z1"}}, "sector: 'Z1' is not a GB/T 4754-2017 section"},
        std::pair{json{{"home_province", "atlantis"}}, "home_province: 'atlantis' is not a region"},
        std::pair{json{{"home_province", 7}}, "home_province: must be a string"},
        std::pair{json{{"min_domestic_share", 1.5}}, "min_domestic_share: must be a number from 0 to 1"}}) {
    auto r = put("acme", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find(expect), std::string::npos) << r->body;
  }
  auto set = put("acme", {{"sector", "I64"}, {"home_province", "beijing"}});
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  EXPECT_EQ(json::parse(set->body)["sector"], "I64");
  EXPECT_EQ(json::parse(set->body)["home_province"], "beijing");
  ASSERT_EQ(put("zeta", {{"sector", "J"}, {"home_province", "inner-mongolia"}})->status, 200);
  // acme's job runs in Inner Mongolia (a western hub), zeta's in Inner Mongolia too (its home).
  const int64_t a = Submit(acme_, Train(8, 1, "inner-mongolia"))["id"],
                z = Submit(zeta_, Train(8, 2, "inner-mongolia"))["id"];
  const double dh_a = WaitFor(acme_, a, "succeeded")["accounting"]["device_hours"];
  const double dh_z = WaitFor(zeta_, z, "succeeded")["accounting"]["device_hours"];
  auto r = client_->Get("/api/v1/stats/demand", Auth(ops_));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_NEAR(j["total"]["device_hours"].get<double>(), dh_a + dh_z, 1e-9);
  std::map<std::string, json> sectors;
  for (const json& s : j["by_sector"]) sectors[s["sector"]] = s;
  ASSERT_EQ(sectors.size(), 8u) << j["by_sector"].dump();  // every national sector, the idle ones too
  EXPECT_NEAR(sectors["internet"]["device_hours"].get<double>(), dh_a, 1e-9);
  EXPECT_EQ(sectors["internet"]["national"]["intelligent_share"], 0.52);
  EXPECT_NEAR(sectors["finance"]["device_hours"].get<double>(), dh_z, 1e-9);
  EXPECT_EQ(sectors["manufacturing"]["jobs"], 0);
  EXPECT_EQ(j["national_sectors"]["line"], "004:685-699");
  std::map<std::string, json> provinces;
  for (const json& p : j["by_province"]) provinces[p["province"]] = p;
  EXPECT_EQ(provinces["beijing"]["in_home_province_share"], 0.0);
  EXPECT_EQ(provinces["beijing"]["in_western_hubs_share"], 1.0);
  EXPECT_EQ(provinces["inner-mongolia"]["in_home_province_share"], 1.0);
  ASSERT_EQ(j["by_hub"].size(), 1u);
  EXPECT_EQ(j["by_hub"][0]["hub"], "inner-mongolia");
  EXPECT_EQ(j["by_hub"][0]["west"], true);
  // Beijing is no western hub's province: all of its demand went west; Inner Mongolia's own demand is not
  // counted.
  EXPECT_NEAR(j["east_to_west"]["device_hours"].get<double>(), dh_a, 1e-9);
  EXPECT_EQ(j["east_to_west"]["share"], 1.0);
  // A period before the jobs finished holds nothing; a tenant may not read demand; bad parameters are named.
  auto empty = client_->Get("/api/v1/stats/demand?to=2020-01-01", Auth(ops_));
  ASSERT_TRUE(empty && empty->status == 200);
  EXPECT_EQ(json::parse(empty->body)["total"]["jobs"], 0);
  EXPECT_EQ(client_->Get("/api/v1/stats/demand", Auth(acme_))->status, 403);
  auto bad = client_->Get("/api/v1/stats/demand?by=sector", Auth(ops_));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("by"), std::string::npos) << bad->body;
}

// Issue 16: a tenant's minimum domestic share. With all of its running devices to be domestic, a job that may
// run on NVIDIA or Ascend runs on Ascend and says why; a job that names NVIDIA only waits for the tenant,
// saying why; lifting the rule lets it start. Another tenant's identical job is not held to it.
TEST_F(JobsApiTest, ATenantsMinimumDomesticShareHoldsAndIsExplained) {
  auto put = [&](const json& body) {
    return client_->Put("/api/v1/tenants/acme/limits", Auth(ops_), body.dump(), "application/json");
  };
  ASSERT_EQ(put({{"min_domestic_share", 1.0}})->status, 200);
  auto either = [](int hours) {
    return json{{"kind", "train"},
                {"devices", 8},
                {"accelerator", {{"models", {"nvidia-a800-sxm-80gb", "huawei-ascend-910b"}}}},
                {"work", {{"reference_hours", hours}, {"reference", "huawei-ascend-910b"}}}};
  };
  const int64_t a = Submit(acme_, either(1))["id"];
  const json placed = WaitFor(acme_, a, "succeeded");
  EXPECT_EQ(placed["accelerator"], "huawei-ascend-910b");
  const int64_t z = Submit(zeta_, either(1))["id"];
  const json other = WaitFor(zeta_, z, "succeeded");
  if (other["accelerator"] == "nvidia-a800-sxm-80gb") {  // the rule changed acme's choice: it says so
    EXPECT_NE(placed["decision"]["why"].get<std::string>().find("on domestic accelerators only"),
              std::string::npos)
        << placed["decision"].dump();
  }
  json foreign = either(1000);
  foreign["accelerator"]["models"] = {"nvidia-a800-sxm-80gb"};
  const int64_t f = Submit(acme_, foreign)["id"];
  json waiting;
  for (int i = 0; i < 300 && !waiting.is_object(); ++i) {
    const json j = Get(acme_, f);
    if (j["waiting"].is_object() && j["waiting"]["code"] == "domestic_share") waiting = j["waiting"];
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(waiting.is_object()) << Get(acme_, f).dump();
  EXPECT_NE(waiting["reason"].get<std::string>().find("must keep at least 100% of its running devices"),
            std::string::npos)
      << waiting.dump();
  ASSERT_EQ(put(json::object())->status, 200);  // the rule lifted
  WaitFor(acme_, f, "running");
  auto cancelled = client_->Delete("/api/v1/jobs/" + std::to_string(f), Auth(acme_));
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
}

// Issue 14: simulations run by the server. A tenant runs two policies on the shipped Philly sample and
// follows it to its report (the same JSON as zhisuan sim --json); another tenant cannot see it; an uploaded
// trace runs too; bad requests name the field and leave nothing behind; the queue is bounded per tenant; a
// queued run can be cancelled.
TEST_F(JobsApiTest, SimulationsRunOnShippedAndUploadedTracesWithProgress) {
  auto post = [&](const std::string& token, const json& body) {
    return client_->Post("/api/v1/simulations", Auth(token), body.dump(), "application/json");
  };
  auto traces = client_->Get("/api/v1/simulations/traces");
  ASSERT_TRUE(traces && traces->status == 200);
  const json list = json::parse(traces->body);
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(list[1]["name"], "philly-sample");
  EXPECT_EQ(list[1]["rows"], 2000);
  auto wait_done = [&](const std::string& token, int64_t id) {
    json j;
    for (int i = 0; i < 1200; ++i) {
      auto r = client_->Get("/api/v1/simulations/" + std::to_string(id), Auth(token));
      if (!r || r->status != 200) break;
      j = json::parse(r->body);
      if (j["state"] != "queued" && j["state"] != "running") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "simulation " << id << " never ended: " << j.dump();
    return j;
  };
  auto started = post(acme_, {{"trace", "philly-sample"}, {"policies", {"lowest-cost", "first-fit"}}});
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  const json run = json::parse(started->body);
  EXPECT_EQ(started->get_header_value("Location"),
            "/api/v1/simulations/" + std::to_string(run["id"].get<int>()));
  const json done = wait_done(acme_, run["id"]);
  ASSERT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["progress"], 1.0);
  const json& report = done["report"];
  EXPECT_EQ(report["trace"]["path"], "philly-sample");  // never the server's path
  EXPECT_EQ(report["trace"]["jobs"], 2000);
  ASSERT_EQ(report["policies"].size(), 2u);
  EXPECT_EQ(report["policies"][0]["policy"], "lowest-cost");
  EXPECT_GE(report["policies"][0]["cost_ratio_to_bound"].get<double>(), 1.0 - 1e-9);
  EXPECT_LE(report["policies"][0]["tenant_cost_cny"].get<double>(),
            report["policies"][1]["tenant_cost_cny"].get<double>());
  // Another tenant sees neither the run nor it in its list; an operator sees it.
  EXPECT_EQ(client_->Get("/api/v1/simulations/" + std::to_string(run["id"].get<int>()), Auth(zeta_))->status,
            404);
  EXPECT_TRUE(json::parse(client_->Get("/api/v1/simulations", Auth(zeta_))->body)["simulations"].empty());
  EXPECT_EQ(json::parse(client_->Get("/api/v1/simulations", Auth(ops_))->body)["simulations"].size(), 1u);
  EXPECT_EQ(client_->Get("/api/v1/simulations")->status, 401);
  // An uploaded trace (JSON lines of zhisuan's own format).
  const std::string jsonl =
      "{\"arrival_s\": 0, \"job\": {\"kind\": \"train\", \"devices\": 8, \"accelerator\": {\"models\": "
      "[\"huawei-ascend-910b\"]}, \"work\": {\"reference_hours\": 2, \"reference\": "
      "\"huawei-ascend-910b\"}}}\n";
  auto up = post(zeta_, {{"trace_csv", jsonl}, {"format", "jsonl"}, {"policies", {"lowest-cost"}}});
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 202) << up->body;
  const json uploaded = wait_done(zeta_, json::parse(up->body)["id"]);
  EXPECT_EQ(uploaded["state"], "done") << uploaded.dump();
  EXPECT_EQ(uploaded["report"]["trace"]["jobs"], 1);
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind("zhisuan-sim-", 0), std::string::npos)
        << "an upload was left behind: " << entry.path();
  }
  // Bad requests name the field.
  for (const auto& [body, expect] :
       {std::pair{json{{"trace", "../../etc/passwd"}}, "trace: '../../etc/passwd' is not a shipped trace"},
        std::pair{json{{"trace", "philly-sample"}, {"trace_csv", "x"}}, "not both or neither"},
        std::pair{json::object(), "not both or neither"},
        std::pair{json{{"trace", "philly-sample"}, {"policies", {"cheapest"}}}, "cheapest"},
        std::pair{json{{"trace", "philly-sample"}, {"load_scale", 50}},
                  "load_scale: must be > 0 and at most 10"},
        std::pair{json{{"trace", "philly-sample"}, {"seeds", "1-50"}}, "seeds: at most 10"},
        std::pair{json{{"trace", "philly-sample"}, {"time_scale", 0.0001}},
                  "time_scale: must be from 0.1 to 1000"},
        std::pair{json{{"trace", "philly-sample"}, {"failures", {"nowhere"}}}, "nowhere"},
        std::pair{json{{"trace", "philly-sample"}, {"colour", 1}}, "colour: unknown field"},
        std::pair{json{{"trace", "alibaba-gpu-2023-pods"}, {"load_scale", 10}, {"seeds", "1-10"}},
                  "job placements"}}) {
    auto r = post(acme_, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.dump() << " -> " << r->body;
    EXPECT_NE(r->body.find(expect), std::string::npos) << r->body;
  }
  // Two waiting runs per tenant: the third is 429; a queued one is cancelled.
  const json heavy = {{"trace", "alibaba-gpu-2023-pods"}, {"seeds", "1-3"}};
  std::vector<int64_t> ids;
  int refused = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = post(acme_, heavy);
    ASSERT_TRUE(r);
    if (r->status == 202)
      ids.push_back(json::parse(r->body)["id"]);
    else if (r->status == 429)
      ++refused;
  }
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(refused, 1);
  for (int64_t id : ids) {
    auto c = client_->Delete("/api/v1/simulations/" + std::to_string(id), Auth(acme_));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->status, 200) << c->body;
  }
  for (int64_t id : ids) EXPECT_EQ(wait_done(acme_, id)["state"], "cancelled");
}

// A hostile tenant's simulation bodies and an operator's tenant settings, mutated at random: every answer is
// 2xx, 400 or 429, never a crash or a 5xx, and the server serves on; accepted runs are cancelled.
TEST_F(JobsApiTest, FuzzedSimulationAndTenantBodiesNeverBreakTheServer) {
  const std::string sim = json{{"trace", "philly-sample"}, {"policies", {"lowest-cost", "random"}},
                               {"seeds", {1, 2}},          {"time_scale", 10},
                               {"load_scale", 1.5},        {"failures", {"cmcc-hohhot-aidc@1+2"}}}
                              .dump();
  const std::string limits = json{
      {"sector", "I64"},
      {"home_province", "beijing"},
      {"min_domestic_share", 0.5},
      {"max_pending", 10}}.dump();
  std::mt19937_64 rng(2027);
  for (int i = 0; i < 200; ++i) {
    const bool simulation = i % 2 == 0;
    std::string body = simulation ? sim : limits;
    const int changes = i % 10 == 0 ? 0 : 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < changes; ++k) body[rng() % body.size()] = static_cast<char>(32 + rng() % 95);
    auto r = simulation ? client_->Post("/api/v1/simulations", Auth(acme_), body, "application/json")
                        : client_->Put("/api/v1/tenants/acme/limits", Auth(ops_), body, "application/json");
    ASSERT_TRUE(r) << "no answer to body " << i;
    EXPECT_TRUE(r->status == 200 || r->status == 202 || r->status == 400 || r->status == 429)
        << r->status << " " << body << " -> " << r->body;
    if (r->status == 202)
      client_->Delete("/api/v1/simulations/" + json::parse(r->body)["id"].dump(), Auth(acme_));
  }
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
  auto big = client_->Post("/api/v1/simulations", Auth(acme_),
                           json{{"trace", "philly-sample"}, {"seeds", std::vector<int>(100000, 1)}}.dump(),
                           "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 400);
  EXPECT_NE(big->body.find("seeds: at most 10"), std::string::npos) << big->body;
}

// Issue 13: the quote is the bill. A quote on the live network, the estimate recorded at placement and the
// bill of the finished job price a run with the same functions: a 12-hour job in Guangdong crosses its
// time-of-use periods, and its energy is billed over those periods as it was quoted, to the fen (the landed
// bill used the flat tariff). A drained center is not quoted: quotes are made on the network as the scheduler
// sees it.
TEST_F(JobsApiTest, QuoteEstimateAndBillAgreeAcrossTariffPeriods) {
  const json spec = Train(8, 12, "guangdong");
  auto quoted = client_->Post("/api/v1/quote", spec.dump(), "application/json");
  ASSERT_TRUE(quoted && quoted->status == 200) << (quoted ? quoted->body : "no answer");
  const json quote = json::parse(quoted->body);
  EXPECT_EQ(quote["network_state"], "live");
  const json& q = quote["chosen"];
  ASSERT_FALSE(q.is_null()) << quote.dump();
  const json done = WaitFor(acme_, Submit(acme_, spec)["id"], "succeeded");
  const json& estimate = done["decision"]["estimate"];
  const json& bill = done["accounting"];
  ASSERT_EQ(done["center"], q["center"]);
  auto fen = [](const json& cny) { return std::llround(cny.get<double>() * 100); };
  EXPECT_NEAR(fen(q["price_cny"]), fen(estimate["price_cny"]), 1);
  EXPECT_NEAR(fen(q["energy_cny"]), fen(estimate["energy_cny"]), 1);
  EXPECT_NEAR(bill["price_fen"].get<double>(), fen(estimate["price_cny"]), 1);
  EXPECT_NEAR(bill["energy_cost_fen"].get<double>(), fen(estimate["energy_cny"]), 1);
  EXPECT_EQ(bill["transfer_fee_fen"], fen(estimate["transfer_fee_cny"]));
  EXPECT_EQ(bill["bill_fen"], bill["price_fen"].get<int64_t>() + bill["transfer_fee_fen"].get<int64_t>());
  // The center's energy was not bought at one flat rate: 12 hours of Guangdong's periods average 0.7-1.3 of
  // it.
  const double per_kwh = estimate["energy_cny"].get<double>() / estimate["energy_kwh"].get<double>();
  EXPECT_GT(std::abs(per_kwh - 0.68), 0.001)
      << "a flat tariff: the test needs a center on Guangdong's periods";
  // Drained, the quoted center is no longer offered.
  auto drained = client_->Post("/api/v1/centers/" + q["center"].get<std::string>() + "/drain", Auth(ops_), "",
                               "application/json");
  ASSERT_TRUE(drained && drained->status == 200) << (drained ? drained->body : "no answer");
  auto again = client_->Post("/api/v1/quote", spec.dump(), "application/json");
  ASSERT_TRUE(again && again->status == 200);
  const json after = json::parse(again->body);
  EXPECT_TRUE(after["chosen"].is_null() || after["chosen"]["center"] != q["center"]) << after.dump();
  std::string reason;
  for (const json& r : after["rejected"]) {
    if (r["center"] == q["center"]) reason = r["reason"];
  }
  EXPECT_NE(reason.find("drain"), std::string::npos) << after.dump();
  for (const json& r : after["rejected"]) {
    if (r["center"] == q["center"]) {
      EXPECT_EQ(r["code"], "center_state");
    } else if (r["province"] != "guangdong") {  // or planned, which is checked first
      EXPECT_TRUE(r["code"] == "residency" || r["code"] == "not_in_service") << r.dump();
    }
  }
}

TEST_F(JobsApiTest, QuotasHoldJobsBack) {
  ASSERT_TRUE(store_->SetQuota("acme", "huawei-ascend-910b", 8));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // the service reloads quotas every 2 s
  const int64_t first = Submit(acme_, Train(8, 10000))["id"];
  WaitFor(acme_, first, "running");
  const int64_t second = Submit(acme_, Train(8, 1))["id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const json waiting = Get(acme_, second);
  EXPECT_EQ(waiting["state"], "pending");
  EXPECT_NE(waiting["message"].get<std::string>().find("quota"), std::string::npos) << waiting.dump();
  EXPECT_EQ(waiting["waiting"]["code"], "quota") << waiting.dump();  // typed, for programs and the console
  // Another tenant is not held back by acme's quota.
  WaitFor(zeta_, Submit(zeta_, Train(8, 1))["id"], "succeeded");
  ASSERT_EQ(client_->Delete("/api/v1/jobs/" + std::to_string(first), Auth(acme_))->status, 200);
  WaitFor(acme_, second, "succeeded");
}

TEST_F(JobsApiTest, EveryStateChangingCallIsAuditedWithWhoFromWhereAndTheResult) {
  const int64_t id = Submit(acme_, Train(8, 10000))["id"];
  ASSERT_EQ(client_->Delete("/api/v1/jobs/" + std::to_string(id), Auth(acme_))->status, 200);
  // Refused calls are recorded too: a tenant draining a center, a tenant cancelling another's job.
  ASSERT_EQ(client_->Post("/api/v1/centers/cmcc-hohhot-aidc/drain", Auth(acme_), "", "text/plain")->status,
            403);
  const int64_t theirs = Submit(zeta_, Train(8, 10000))["id"];
  ASSERT_EQ(client_->Delete("/api/v1/jobs/" + std::to_string(theirs), Auth(acme_))->status, 404);
  ASSERT_EQ(client_->Post("/api/v1/centers/cmcc-hohhot-aidc/drain", Auth(ops_), "", "text/plain")->status,
            200);
  ASSERT_EQ(client_->Post("/api/v1/centers/cmcc-hohhot-aidc/undrain", Auth(ops_), "", "text/plain")->status,
            200);
  auto created = client_->Post("/api/v1/tokens", Auth(ops_), R"({"tenant": "new", "role": "tenant"})",
                               "application/json");
  ASSERT_EQ(created->status, 201);
  const std::string token_id = json::parse(created->body)["id"];
  ASSERT_EQ(client_->Delete("/api/v1/tokens/" + token_id, Auth(ops_))->status, 200);

  // Tenants may not read it; operators read it in order, filtered and paginated.
  EXPECT_EQ(client_->Get("/api/v1/audit", Auth(acme_))->status, 403);
  EXPECT_EQ(client_->Get("/api/v1/audit?after=x", Auth(ops_))->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/audit?since=1", Auth(ops_))->status, 400);
  auto r = client_->Get("/api/v1/audit", Auth(ops_));
  ASSERT_EQ(r->status, 200) << r->body;
  const json entries = json::parse(r->body)["entries"];
  std::vector<std::string> actions;
  for (const json& e : entries)
    actions.push_back(e["action"].get<std::string>() + " " + e["result"].get<std::string>().substr(0, 7));
  const std::vector<std::string> expected = {
      "job.submit ok",   "job.cancel ok",     "center.drain refused", "job.submit ok",  "job.cancel refused",
      "center.drain ok", "center.undrain ok", "token.create ok",      "token.revoke ok"};
  EXPECT_EQ(actions, expected) << entries.dump(1);
  const json& submit = entries[0];
  EXPECT_EQ(submit["target"], std::to_string(id));
  EXPECT_EQ(submit["by"]["tenant"], "acme");
  EXPECT_EQ(submit["by"]["role"], "tenant");
  EXPECT_EQ(submit["by"]["remote"], "127.0.0.1");
  EXPECT_EQ(submit["by"]["token_id"].get<std::string>().size(), 12u);
  EXPECT_NE(entries[2]["result"].get<std::string>().find("operators only"), std::string::npos) << entries[2];
  EXPECT_EQ(entries[5]["by"]["role"], "operator");
  EXPECT_EQ(entries[7]["target"], token_id);
  auto page = client_->Get("/api/v1/audit?tenant=ops&action=center.drain&limit=1", Auth(ops_));
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(json::parse(page->body)["entries"].size(), 1u);
  EXPECT_EQ(json::parse(page->body)["entries"][0]["target"], "cmcc-hohhot-aidc");
  EXPECT_FALSE(json::parse(page->body)["next_after"].is_null());
  // A hostile path (invalid UTF-8, an escape sequence, a long name) is kept printable and bounded.
  const std::string hostile = "x%FF%FE%1B%5B31m" + std::string(1000, 'y');
  EXPECT_EQ(client_->Post("/api/v1/centers/" + hostile + "/drain", Auth(ops_), "", "text/plain")->status,
            404);
  auto last = client_->Get("/api/v1/audit?action=center.drain", Auth(ops_));
  ASSERT_EQ(last->status, 200);
  const std::string target = json::parse(last->body)["entries"].back()["target"];
  EXPECT_EQ(FindInvalidUtf8(target), std::string::npos) << target;
  EXPECT_FALSE(HasControlCharacter(target)) << target;
  EXPECT_LE(target.size(), 200u);
  EXPECT_EQ(target.substr(0, 1), "x");
}

// Issue 15: the scheduler commits outside the lock that reads take, and readers see only what is committed.
// Another connection holds the database's write lock while a job ends: the loop's commit of the end waits
// for it (and fails after the busy timeout, and is retried), while GET, the live state, a quote, health and
// /metrics answer at once, and GET says what the store has (running), not what memory has and the store
// does not (succeeded). Once the lock is let go the end is committed and shown.
TEST_F(JobsApiTest, ReadsNeverWaitForACommitAndShowOnlyWhatIsCommitted) {
  const int64_t id = Submit(acme_, Train(8, 20))["id"];  // 20 modelled hours: ~0.7 s
  WaitFor(acme_, id, "running");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "z.db").string().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // The job ends on its backend; its commit cannot go through.
  for (int i = 0; i < 3000 && service_->Health().unsaved == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GT(service_->Health().unsaved, 0u) << "the loop never tried to commit the job's end";
  // The loop now retries its commit, each try waiting the store's busy timeout (5 s). A reader that waited
  // for a commit would miss this 2.5 s deadline.
  httplib::Client reader("127.0.0.1", server_->port());
  reader.set_read_timeout(2, 500'000);
  const std::string quote = Train(8, 1).dump();
  for (int i = 0; i < 20; ++i) {
    auto r = reader.Get("/api/v1/jobs/" + std::to_string(id), Auth(acme_));
    ASSERT_TRUE(r) << "GET of a job waited for a commit (try " << i << ")";
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(json::parse(r->body)["state"], "running") << "GET showed a transition the store does not have";
    auto live = reader.Get("/api/v1/live");
    ASSERT_TRUE(live && live->status == 200) << "the live state waited for a commit (try " << i << ")";
    auto q = reader.Post("/api/v1/quote", Auth(acme_), quote, "application/json");
    ASSERT_TRUE(q && q->status == 200)
        << "a quote waited for a commit (try " << i << "): " << (q ? q->body : "no answer");
    auto health = reader.Get("/api/v1/health");
    ASSERT_TRUE(health) << "health waited for a commit (try " << i << ")";
    EXPECT_EQ(health->status, 503) << health->body;  // the store does not take commits
    ASSERT_TRUE(reader.Get("/metrics", Auth(ops_))) << "/metrics waited for a commit (try " << i << ")";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  const json done = WaitFor(acme_, id, "succeeded");  // within the back-off (at most 5 s)
  EXPECT_FALSE(done["accounting"].is_null());
  auto health = client_->Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << health->body;
}

// Issue 15: a follower replica holds no jobs of its own to count, so it counts a tenant's unfinished jobs in
// the database: submitting to followers does not get a tenant past its max_pending.
TEST_F(JobsApiTest, AFollowerHoldsATenantToItsPendingLimit) {
  const std::string db = (dir_.path() / "z.db").string();
  auto other = LeaderLease::Open(db);  // another replica holds the lease for the whole test
  ASSERT_TRUE(other);
  ASSERT_EQ((*other)->AcquireOrRenew("other-replica", "http://elsewhere", 600)->holder, "other-replica");
  TenantLimits limits;
  limits.max_pending = 2;
  ASSERT_TRUE(store_->SetTenantLimits("capped", limits));
  auto follower = NewReplica("follower");
  ASSERT_TRUE(follower);
  EXPECT_FALSE(follower->Leader().leading);
  const lifecycle::Principal capped{"capped", false, "0123456789ab", "127.0.0.1"};
  const std::string spec = Train(8, 1).dump();
  auto first = follower->Submit(capped, spec, "");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(follower->Submit(capped, spec, ""));
  auto third = follower->Submit(capped, spec, "");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kRateLimited);
  EXPECT_NE(third.error().message.find("2 unfinished jobs"), std::string::npos) << third.error().message;
  follower->Stop();
}

// Issue 15: replicas share a tenant's submission rate through the database. Two followers, each taking
// submissions as fast as it can, admit the tenant's burst and rate once between them, not once each.
TEST_F(JobsApiTest, ReplicasShareATenantsSubmissionRate) {
  auto other = LeaderLease::Open((dir_.path() / "z.db").string());
  ASSERT_TRUE(other);
  ASSERT_EQ((*other)->AcquireOrRenew("other-replica", "http://elsewhere", 600)->holder, "other-replica");
  TenantLimits limits;
  limits.submissions_per_s = 5;  // a burst of 10
  ASSERT_TRUE(store_->SetTenantLimits("metered", limits));
  auto a = NewReplica("a"), b = NewReplica("b");
  ASSERT_TRUE(a && b);
  const lifecycle::Principal metered{"metered", false, "0123456789ab", "127.0.0.1"};
  const std::string spec = Train(8, 1).dump();
  int accepted[2] = {0, 0}, refused = 0;
  const double start = Now();
  for (int i = 0; i < 60; ++i) {
    auto r = (i % 2 == 0 ? a : b)->Submit(metered, spec, "");
    if (r) {
      ++accepted[i % 2];
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kRateLimited) << r.error().message;
      EXPECT_NE(r.error().message.find("5 jobs per second"), std::string::npos) << r.error().message;
      ++refused;
    }
  }
  const double elapsed = Now() - start;
  // The bound: the burst, what the rate refilled meanwhile, and one grant (1 token at 5/s) each replica may
  // hold. Each replica alone would have admitted 10.
  const int total = accepted[0] + accepted[1];
  EXPECT_GE(total, 10);
  EXPECT_LE(total, 10 + static_cast<int>(std::ceil(5 * elapsed)) + 2) << "in " << elapsed << " s";
  EXPECT_GT(accepted[0], 0);
  EXPECT_GT(accepted[1], 0);
  EXPECT_EQ(total + refused, 60);
  a->Stop();
  b->Stop();
}

// Issue 15: every replica answers the live state. The leader writes its load to the database about once a
// second; a follower shows it (busy devices, drained centers, its samples) and quotes on it.
TEST_F(JobsApiTest, AFollowerShowsTheLeadersLiveLoad) {
  service_->Stop();  // the fixture's server leads alone; here two replicas share the lease instead
  auto leader = NewReplica("leader");
  ASSERT_TRUE(leader);
  for (int i = 0; i < 500 && !leader->Leader().leading; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(leader->Leader().leading);
  auto follower = NewReplica("follower");
  ASSERT_TRUE(follower);
  EXPECT_FALSE(follower->Leader().leading);
  const lifecycle::Principal acme{"acme", false, "0123456789ab", "127.0.0.1"};
  const lifecycle::Principal ops{"ops", true, "0123456789ac", "127.0.0.1"};
  auto job = leader->Submit(acme, Train(8, 10000, "inner-mongolia").dump(), "");
  ASSERT_TRUE(job) << job.error().message;
  ASSERT_TRUE(leader->SetDrained(ops, "cmcc-wuhan-aidc", true));
  auto busy_on = [](lifecycle::JobService& s, std::string* center_state) {
    int64_t busy = 0;
    s.WithLiveSnapshot([&](const placement::Snapshot& net) {
      for (const placement::PoolInfo& p : net.pools())
        if (p.in_service) busy += p.devices - p.free_devices;
      *center_state = std::string(Name(net.centers()[net.CenterIndex("cmcc-wuhan-aidc")].state));
    });
    return busy;
  };
  std::string state;
  int64_t busy = 0;
  for (int i = 0; i < 1000 && (busy != 8 || state != "draining"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    busy = busy_on(*follower, &state);
  }
  EXPECT_EQ(busy, 8);
  EXPECT_EQ(state, "draining");
  EXPECT_EQ(busy_on(*leader, &state), 8);
  // Its samples carry the load too, with the power the busy devices draw and its carbon, as placement models
  // them per device-hour.
  double kw = 0, kg_per_h = 0;
  leader->WithLiveSnapshot([&](const placement::Snapshot& net) {
    for (const placement::PoolInfo& p : net.pools()) {
      const int64_t busy_here = p.devices - p.free_devices;
      if (!p.in_service || busy_here == 0) continue;
      kw += static_cast<double>(busy_here) * p.energy_kwh_per_device_hour;
      kg_per_h += static_cast<double>(busy_here) * p.carbon_kg_per_device_hour;
    }
  });
  ASSERT_GT(kw, 0);
  bool sampled = false;
  lifecycle::JobService::Series h;
  for (int i = 0; i < 500 && !sampled; ++i) {
    h = follower->History(-1, 0);
    sampled = !h.busy.empty() && h.busy.back() == 8;
    if (!sampled) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(sampled);
  EXPECT_NEAR(h.power_kw.back(), kw, 1e-3 * kw);
  EXPECT_NEAR(h.carbon_kg_per_h.back(), kg_per_h, 1e-3 * kg_per_h);
  ASSERT_TRUE(follower->Cancel(acme, job->job.id));
  for (int i = 0; i < 1000 && busy != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    busy = busy_on(*follower, &state);
  }
  EXPECT_EQ(busy, 0);
  follower->Stop();
  leader->Stop();
}

// Issue 14: the live history outlives a restart. The service keeps its samples in the database (at most one a
// second); a server started afterwards shows the load from before it started.
TEST_F(JobsApiTest, TheLiveHistoryOutlivesARestart) {
  service_->Stop();
  auto first = NewService(/*sample_interval_s=*/0.2);
  ASSERT_TRUE(first);
  const lifecycle::Principal acme{"acme", false, "0123456789ab", "127.0.0.1"};
  auto job = first->Submit(acme, Train(8, 10000).dump(), "");
  ASSERT_TRUE(job) << job.error().message;
  bool busy = false;  // a sample with the job's 8 devices busy, old enough to have been kept
  for (int i = 0; i < 600 && !busy; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const lifecycle::JobService::Series h = first->History(-1, 0);
    for (size_t k = 0; k + 1 < h.at.size(); ++k)
      busy = busy || (h.busy[k] == 8 && h.at.back() - h.at[k] > 1.2);
  }
  ASSERT_TRUE(busy);
  ASSERT_TRUE(first->Cancel(acme, job->job.id));
  first->Stop();
  const double restarted_at = Now();
  auto second = NewService();
  ASSERT_TRUE(second);
  const lifecycle::JobService::Series h = second->History(-1, 0);
  bool kept = false;
  for (size_t k = 0; k < h.at.size(); ++k) {
    kept =
        kept || (h.at[k] < restarted_at && h.busy[k] == 8 && h.power_kw[k] > 0 && h.carbon_kg_per_h[k] > 0);
  }
  EXPECT_TRUE(kept) << h.at.size() << " samples after the restart";
  second->Stop();
}

TEST_F(JobsApiTest, DrainedCentersTakeNoJobs) {
  auto drain = client_->Post("/api/v1/centers/cmcc-hohhot-aidc/drain", Auth(ops_), "", "text/plain");
  ASSERT_TRUE(drain);
  ASSERT_EQ(drain->status, 200) << drain->body;
  EXPECT_EQ(json::parse(drain->body)["state"], "draining");
  // The only Ascend 910B center in Inner Mongolia is drained: a job that must run there waits, and says why.
  const int64_t id = Submit(acme_, Train(8, 1, "inner-mongolia"))["id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const json waiting = Get(acme_, id);
  EXPECT_EQ(waiting["state"], "pending");
  EXPECT_NE(waiting["message"].get<std::string>().find("cmcc-hohhot-aidc"), std::string::npos)
      << waiting.dump();
  // The telling reason is the drained center, not the provinces the job itself ruled out.
  EXPECT_EQ(waiting["waiting"]["code"], "center_state") << waiting.dump();
  EXPECT_EQ(client_->Post("/api/v1/centers/nowhere/drain", Auth(ops_), "", "text/plain")->status, 404);
  EXPECT_EQ(client_->Post("/api/v1/centers/cmcc-hohhot-aidc/undrain", Auth(acme_), "", "text/plain")->status,
            403);
  EXPECT_EQ(client_->Post("/api/v1/centers/cmcc-hohhot-aidc/undrain", Auth(ops_), "", "text/plain")->status,
            200);
  EXPECT_EQ(WaitFor(acme_, id, "succeeded")["center"], "cmcc-hohhot-aidc");
}

// Issue 15: a drain is an operator's decision, not the process's memory: it survives a restart (the landed
// server undrained every center when it restarted), and so does the undrain.
TEST_F(JobsApiTest, DrainsSurviveARestart) {
  auto drain = client_->Post("/api/v1/centers/cmcc-hohhot-aidc/drain", Auth(ops_), "", "text/plain");
  ASSERT_TRUE(drain && drain->status == 200);
  server_->Stop();
  thread_.join();
  service_->Stop();
  service_ = NewService();
  ASSERT_TRUE(service_);
  EXPECT_EQ(service_->CenterStates().at("cmcc-hohhot-aidc"), "draining");
  EXPECT_EQ(service_->CenterStates().at("cmcc-wuhan-aidc"), "up");
  lifecycle::Principal ops{.tenant = "ops", .is_operator = true, .token_id = "", .remote = ""};
  ASSERT_TRUE(service_->SetDrained(ops, "cmcc-hohhot-aidc", false));
  service_->Stop();
  service_ = NewService();
  ASSERT_TRUE(service_);
  EXPECT_EQ(service_->CenterStates().at("cmcc-hohhot-aidc"), "up");
  server_.reset();
}

TEST_F(JobsApiTest, ErrorsAreJson4xx) {
  EXPECT_EQ(client_->Get("/api/v1/jobs")->status, 401);
  EXPECT_EQ(client_->Get("/api/v1/jobs", Auth("zs_not-a-token"))->status, 401);
  EXPECT_EQ(client_->Get("/api/v1/jobs/abc", Auth(acme_))->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/jobs/999999", Auth(acme_))->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/jobs?state=sleeping", Auth(acme_))->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/jobs?limit=0", Auth(acme_))->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/usage?by=center&tenant=zeta", Auth(acme_))->status, 403);
  EXPECT_EQ(client_->Get("/api/v1/usage?from=yesterday", Auth(ops_))->status, 400);
  auto bad = client_->Post("/api/v1/jobs", Auth(acme_), "kind: train\ndevices: 0\n", "application/yaml");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("devices"), std::string::npos) << bad->body;
  json other = Train(8, 1);
  other["tenant"] = "zeta";
  EXPECT_EQ(client_->Post("/api/v1/jobs", Auth(acme_), other.dump(), "application/json")->status, 403);
}

// Seeded random mutations of a valid spec, and random bytes: the answer is always 2xx or 4xx, and the server
// keeps serving. Accepted jobs are cancelled or run to the end without errors.
TEST_F(JobsApiTest, FuzzedBodiesNeverBreakTheServer) {
  const std::string valid = Train(8, 1).dump();
  std::mt19937_64 rng(2026);
  int accepted = 0;
  for (int i = 0; i < 300; ++i) {
    std::string body = valid;
    if (i % 3 == 0) {
      body.assign(rng() % 200, '\0');
      for (char& c : body) c = static_cast<char>(rng() % 256);
    } else {
      // Every tenth body is left valid, so the accepted path is exercised among the rejected ones.
      const int changes = i % 10 == 1 ? 0 : 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < changes; ++k) body[rng() % body.size()] = static_cast<char>(32 + rng() % 95);
    }
    auto r =
        client_->Post("/api/v1/jobs", Auth(acme_), body, i % 2 ? "application/json" : "application/yaml");
    ASSERT_TRUE(r) << "no answer to body " << i;
    EXPECT_TRUE(r->status == 201 || (r->status >= 400 && r->status < 500)) << r->status << " " << r->body;
    accepted += r->status == 201;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
  auto list = client_->Get("/api/v1/jobs?limit=1000", Auth(acme_));
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_EQ(json::parse(list->body)["jobs"].size(), static_cast<size_t>(accepted));
}

}  // namespace
}  // namespace zhisuan
