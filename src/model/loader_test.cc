#include "model/loader.h"

#include <gtest/gtest.h>

#include <regex>

#include "model/yaml_field.h"
#include "testing/fixtures.h"

namespace zhisuan {
namespace {

using testing::FileContent;
using testing::TinyDataFiles;
using testing::WithFile;

// Loads `files`, expects failure with `code`, and returns the message.
std::string LoadError(const std::vector<DataFile>& files, ErrorCode code = ErrorCode::kValidation) {
  Result<Registry> r = LoadRegistry(files);
  EXPECT_FALSE(r.has_value());
  if (r) return {};
  EXPECT_EQ(r.error().code, code) << r.error().message;
  return r.error().message;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text not found: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::vector<DataFile> EditCenters(const std::string& from, const std::string& to) {
  auto files = TinyDataFiles();
  return WithFile(files, "centers.yaml", Replace(FileContent(files, "centers.yaml"), from, to));
}

TEST(Loader, TinyDataLoads) {
  Result<Registry> r = LoadRegistry(TinyDataFiles());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->accelerators().size(), 2u);
  EXPECT_EQ(r->regions().size(), 3u);
  ASSERT_EQ(r->centers().size(), 2u);
  const Center* c2 = r->FindCenter("c2");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->hub, "hub-w");  // derived from the province
  EXPECT_EQ(c2->cluster, "cl-w");
  EXPECT_EQ(c2->pools[1].devices_per_node, 1);  // CPU pools default to one server a node
  EXPECT_EQ(c2->pools[0].devices_per_node, 8);
  EXPECT_EQ(c2->pools[0].free_devices, 10);
  EXPECT_TRUE(c2->green_provenance.estimated);
  EXPECT_FALSE(r->FindCenter("c1")->hub.has_value());
}

TEST(Loader, ShippedDataLoads) {
  Result<std::vector<DataFile>> files = ReadDataDir(testing::ShippedDataDir());
  ASSERT_TRUE(files.has_value()) << files.error().message;
  Result<Registry> r = LoadRegistry(*files);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->regions().size(), 31u);
  EXPECT_EQ(r->hubs().size(), 8u);
  EXPECT_EQ(r->clusters().size(), 10u);
  EXPECT_GE(r->centers().size(), 30u);
  for (const Center& c : r->centers()) {
    EXPECT_FALSE(c.pools.empty()) << c.id;
    EXPECT_EQ(c.backend, BackendKind::kSim) << c.id;
    EXPECT_FALSE(c.provenance.source.empty()) << c.id;
  }
}

TEST(Loader, MissingFieldNamesFileLineAndPath) {
  const std::string msg = LoadError(EditCenters("    city: WB\n", ""));
  EXPECT_NE(msg.find("tiny/centers.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("centers[1].city: is required"), std::string::npos) << msg;
}

TEST(Loader, BadFieldType) {
  const std::string msg = LoadError(EditCenters("devices: 100", "devices: many"));
  EXPECT_TRUE(std::regex_search(
      msg,
      std::regex(R"(tiny/centers\.yaml:\d+: centers\[0\]\.pools\[0\]\.devices: 'many' is not an integer)")))
      << msg;
}

TEST(Loader, WrongUnit) {
  auto files = TinyDataFiles();
  files = WithFile(files, "accelerators.yaml",
                   Replace(FileContent(files, "accelerators.yaml"), "memory_gb: 80", "memory_gb: 80 W"));
  const std::string msg = LoadError(files);
  EXPECT_NE(msg.find("accelerators[0].memory_gb: wrong unit 'W'"), std::string::npos) << msg;
}

TEST(Loader, UnitsConvert) {
  auto files = TinyDataFiles();
  files = WithFile(files, "accelerators.yaml",
                   Replace(FileContent(files, "accelerators.yaml"), "tdp_w: 500", "tdp_w: 0.5 kW"));
  Result<Registry> r = LoadRegistry(files);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->FindAccelerator("acc-a")->tdp_w, 500.0);
}

TEST(Loader, UnknownAccelerator) {
  const std::string msg =
      LoadError(EditCenters("{accelerator: acc-a, devices: 100", "{accelerator: acc-z, devices: 100"));
  EXPECT_NE(msg.find("centers[0].pools[0].accelerator: unknown accelerator 'acc-z'"), std::string::npos)
      << msg;
}

TEST(Loader, DuplicateId) {
  const std::string msg = LoadError(EditCenters("  - id: c2\n", "  - id: c1\n"));
  EXPECT_NE(msg.find("centers[1].id: duplicate id 'c1' (first defined at line 2)"), std::string::npos) << msg;
}

TEST(Loader, NegativeCount) {
  const std::string msg = LoadError(EditCenters("devices: 100", "devices: -4"));
  EXPECT_NE(msg.find("centers[0].pools[0].devices: must be >= 0 (got -4)"), std::string::npos) << msg;
}

TEST(Loader, StatusAndItsDateAreChecked) {
  Result<Registry> r = LoadRegistry(EditCenters(
      "    city: EA\n", "    city: EA\n    status: {value: planned, since: 2027-03, source: test}\n"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->FindCenter("c1")->status.value, Lifecycle::kPlanned);
  EXPECT_EQ(r->FindCenter("c1")->status.since, "2027-03");
  EXPECT_FALSE(r->FindCenter("c1")->AnyInService());
  // Without a status: in service, and the data says it was assumed.
  EXPECT_EQ(r->FindCenter("c2")->status.value, Lifecycle::kInService);
  EXPECT_TRUE(r->FindCenter("c2")->status.provenance.estimated);
  std::string msg =
      LoadError(EditCenters("    city: EA\n", "    city: EA\n    status: {value: dreamt, source: t}\n"));
  EXPECT_NE(msg.find("centers[0].status.value: unknown status 'dreamt' (one of planned, under_construction, "
                     "in_service, retired)"),
            std::string::npos)
      << msg;
  msg = LoadError(EditCenters("    city: EA\n",
                              "    city: EA\n    status: {value: planned, since: 2027-3-1, source: t}\n"));
  EXPECT_NE(msg.find("centers[0].status.since: '2027-3-1' is not YYYY, YYYY-MM or YYYY-MM-DD"),
            std::string::npos)
      << msg;
  msg = LoadError(EditCenters("    city: EA\n", "    city: EA\n    status: {value: planned}\n"));
  EXPECT_NE(msg.find("centers[0].status.source: is required"), std::string::npos) << msg;
  msg = LoadError(
      EditCenters("{accelerator: acc-a, devices: 100, source: test}",
                  "{accelerator: acc-a, devices: 100, source: test, status: {value: soon, source: t}}"));
  EXPECT_NE(msg.find("centers[0].pools[0].status.value: unknown status 'soon'"), std::string::npos) << msg;
}

// Who built a center (seed 001:8's categories), with its provenance; an unknown type names the field.
TEST(Loader, BuilderTypeAndItsSource) {
  Result<Registry> r = LoadRegistry(EditCenters("    city: EA\n",
                                                "    city: EA\n    builder: {type: carrier, name: 中国移动, "
                                                "estimated: true, derivation: from the name}\n"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->FindCenter("c1")->builder.has_value());
  EXPECT_EQ(r->FindCenter("c1")->builder->type, BuilderType::kCarrier);
  EXPECT_EQ(r->FindCenter("c1")->builder->name, "中国移动");
  EXPECT_TRUE(r->FindCenter("c1")->builder->provenance.estimated);
  EXPECT_FALSE(r->FindCenter("c2")->builder.has_value());
  std::string msg =
      LoadError(EditCenters("    city: EA\n", "    city: EA\n    builder: {type: alien, source: t}\n"));
  EXPECT_NE(
      msg.find("centers[0].builder.type: unknown builder type 'alien' (one of government, carrier, cloud, "
               "other)"),
      std::string::npos)
      << msg;
  msg = LoadError(EditCenters("    city: EA\n", "    city: EA\n    builder: {type: cloud}\n"));
  EXPECT_NE(msg.find("centers[0].builder.source: is required"), std::string::npos) << msg;
}

TEST(Loader, MalformedYaml) {
  auto files = WithFile(TinyDataFiles(), "hubs.yaml", "hubs:\n  - {id: hub-w, name_zh: [unclosed\n");
  const std::string msg = LoadError(files, ErrorCode::kParse);
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(tiny/hubs\.yaml:\d+: malformed YAML)"))) << msg;
}

TEST(Loader, UnknownFieldIsReported) {
  const std::string msg = LoadError(EditCenters("    city: EA\n", "    city: EA\n    cty: EA\n"));
  EXPECT_NE(msg.find("centers[0].cty: unknown field"), std::string::npos) << msg;
}

TEST(Loader, EstimateMustSayHow) {
  const std::string msg = LoadError(EditCenters("estimated: true, derivation: test}", "estimated: true}"));
  EXPECT_NE(msg.find("centers[1].green_share.derivation: is required when estimated is true"),
            std::string::npos)
      << msg;
}

TEST(Loader, HubMustMatchProvince) {
  const std::string msg = LoadError(EditCenters("    city: EA\n", "    city: EA\n    hub: hub-w\n"));
  EXPECT_NE(msg.find("centers[0].hub: province 'east-a' is not in hub 'hub-w'"), std::string::npos) << msg;
}

TEST(Loader, ReportsEveryProblemAtOnce) {
  auto files = EditCenters("devices: 100", "devices: -1");
  files = WithFile(files, "accelerators.yaml",
                   Replace(FileContent(files, "accelerators.yaml"), "tdp_w: 500", "tdp_w: -5"));
  const std::string msg = LoadError(files);
  EXPECT_NE(msg.find("accelerators[0].tdp_w"), std::string::npos) << msg;
  EXPECT_NE(msg.find("centers[0].pools[0].devices"), std::string::npos) << msg;
}

// The registry's files are the operator's: a national registry of 10,000 centers is ~10 MB of centers.yaml,
// past the 8 MB bound on untrusted input (job specs, uploads), and loads; a file past the data files' own
// bound is refused with its name before the parser sees it.
TEST(Loader, DataFilesMayBeLargerThanUntrustedInput) {
  auto files = TinyDataFiles();
  const std::string centers = FileContent(files, "centers.yaml");
  const std::string padding = "# " + std::string(9 << 20, 'x') + "\n";
  Result<Registry> r = LoadRegistry(WithFile(files, "centers.yaml", padding + centers));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->centers().size(), LoadRegistry(files)->centers().size());
  EXPECT_GT(kDataFileLimits.max_bytes, kUntrustedInput.max_bytes);
  const std::string message = LoadError(
      WithFile(files, "centers.yaml", std::string(kDataFileLimits.max_bytes + 1, '#')), ErrorCode::kParse);
  EXPECT_NE(message.find("centers.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("too large"), std::string::npos) << message;
}

TEST(Loader, MissingFileIsAnIoError) {
  testing::TempDir dir;
  Result<std::vector<DataFile>> files = ReadDataDir(dir.path());
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().code, ErrorCode::kIo);
  EXPECT_NE(files.error().message.find("accelerators.yaml: cannot read"), std::string::npos);
}

TEST(Loader, TouMustCoverTheDay) {
  auto files = TinyDataFiles();
  files =
      WithFile(files, "regions.yaml",
               Replace(FileContent(files, "regions.yaml"), "tariff: {flat_cny_per_kwh: 0.3, source: test}",
                       "tariff: {flat_cny_per_kwh: 0.3, source: test, tou: [{label: peak, start_hour: 8, "
                       "end_hour: 20, multiplier: 1.5}]}"));
  const std::string msg = LoadError(files);
  EXPECT_NE(msg.find("regions[1].tariff.tou: periods must cover all 24 hours exactly (cover 12)"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace zhisuan

namespace zhisuan {
namespace {

// Seeded mutation fuzzing: whatever the bytes, loading returns a value or an error and never throws or
// crashes.
TEST(LoaderFuzz, MutatedFilesNeverThrow) {
  const auto base = testing::TinyDataFiles();
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string tokens[] = {":",     "-", "[",  "]",       "{",      "}", "\n", " ",
                                "null",  "~", "-1", "1e999",   "\"",     "'", "&a", "*a",
                                "!!int", "x", "0",  "devices", "pools:", "\t"};
  int failures = 0;
  for (int round = 0; round < 400; ++round) {
    auto files = base;
    DataFile& f = files[next() % files.size()];
    for (int edits = 1 + static_cast<int>(next() % 4); edits > 0; --edits) {
      const size_t at = f.content.empty() ? 0 : next() % f.content.size();
      switch (next() % 3) {
        case 0:
          f.content.insert(at, tokens[next() % std::size(tokens)]);
          break;
        case 1:
          f.content.erase(at, 1 + next() % 8);
          break;
        default:
          f.content[at] = static_cast<char>(next() % 128);
          break;
      }
    }
    Result<Registry> r;
    ASSERT_NO_THROW(r = LoadRegistry(files)) << "round " << round << " file " << f.name;
    if (!r) {
      ++failures;
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(failures, 100);  // most mutations break something, and each says what
}

}  // namespace
}  // namespace zhisuan
