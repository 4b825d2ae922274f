#include "store/registry_source.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan {
namespace {

TEST(RegistrySource, FirstStartSeedsThenStoreWins) {
  testing::TempDir dir;
  const auto db = dir.path() / "z.db";
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFiles());
  {
    auto opened = OpenRegistry(db, dir.path() / "data");
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    EXPECT_TRUE(opened->seeded);
    EXPECT_EQ(opened->registry.centers().size(), 2u);
    ASSERT_TRUE(opened->store->SetCenterState("c1", CenterState::kDown).has_value());
  }
  // The data directory is gone: the registry is kept in the store.
  std::filesystem::remove_all(dir.path() / "data");
  auto opened = OpenRegistry(db, dir.path() / "data");
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_FALSE(opened->seeded);
  EXPECT_EQ(opened->registry.centers().size(), 2u);
  EXPECT_EQ(opened->registry.FindCenter("c1")->state, CenterState::kDown);
}

TEST(RegistrySource, BadDataCreatesNoDatabase) {
  testing::TempDir dir;
  const auto db = dir.path() / "z.db";
  auto files = testing::TinyDataFiles();
  files = testing::WithFile(files, "centers.yaml", "centers: [{id: BAD}]\n");
  testing::WriteDataDir(dir.path() / "data", files);
  auto opened = OpenRegistry(db, dir.path() / "data");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kValidation);
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(RegistrySource, BadReloadKeepsTheSavedRegistry) {
  testing::TempDir dir;
  const auto db = dir.path() / "z.db";
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFiles());
  ASSERT_TRUE(OpenRegistry(db, dir.path() / "data").has_value());
  testing::WriteDataDir(dir.path() / "data",
                        testing::WithFile(testing::TinyDataFiles(), "hubs.yaml", "hubs: [unclosed\n"));
  auto reloaded = OpenRegistry(db, dir.path() / "data", /*reload=*/true);
  ASSERT_FALSE(reloaded.has_value());
  EXPECT_EQ(reloaded.error().code, ErrorCode::kParse);
  auto opened = OpenRegistry(db, dir.path() / "data");
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(opened->registry.hubs().size(), 1u);
}

TEST(RegistrySource, ReloadReplaces) {
  testing::TempDir dir;
  const auto db = dir.path() / "z.db";
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFiles());
  ASSERT_TRUE(OpenRegistry(db, dir.path() / "data").has_value());
  auto files = testing::TinyDataFiles();
  std::string centers = testing::FileContent(files, "centers.yaml");
  centers.replace(centers.find("devices: 100"), 12, "devices: 64");
  testing::WriteDataDir(dir.path() / "data", testing::WithFile(files, "centers.yaml", centers));
  auto reloaded = OpenRegistry(db, dir.path() / "data", /*reload=*/true);
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message;
  EXPECT_TRUE(reloaded->seeded);
  EXPECT_EQ(reloaded->registry.FindCenter("c1")->pools[0].devices, 64);
}

}  // namespace
}  // namespace zhisuan
