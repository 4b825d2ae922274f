#include "util/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace zhisuan {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Log, JsonLinesEscapeWhatTheyCarry) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("zhisuan-log-" + std::to_string(::getpid()) + "-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                               .string();
  {
    std::shared_ptr<Log> log = Log::ToFile(path, Log::Format::kJson, Log::Level::kInfo);
    log->Event(Log::Level::kDebug, "http", "dropped below the level");
    log->Event(Log::Level::kWarn, "http", "refused \"x\"\nnext", {{"request_id", "ab-1"}, {"status", "431"}});
  }
  std::istringstream lines(ReadAll(path));
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["component"], "http");
  EXPECT_EQ(j["msg"], "refused \"x\"\nnext");
  EXPECT_EQ(j["request_id"], "ab-1");
  EXPECT_FALSE(std::getline(lines, line)) << "one line per event, and the debug one dropped";
  std::filesystem::remove(path);
}

TEST(Log, TextLinesStayOneLine) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("zhisuan-log-" + std::to_string(::getpid()) + "-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                               .string();
  {
    std::shared_ptr<Log> log = Log::ToFile(path, Log::Format::kText, Log::Level::kDebug);
    log->Event(Log::Level::kError, "store", "commit failed\r\nX-Injected: 1", {{"job", "7"}});
  }
  const std::string text = ReadAll(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_NE(text.find(" error store: commit failed\\x0d\\nX-Injected: 1 job=7"), std::string::npos) << text;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace zhisuan
