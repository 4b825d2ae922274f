#include "server/console.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "server/http_gzip.h"

namespace zhisuan::views {

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return Fail(
        ErrorCode::kIo,
        fmt::format("{}: cannot read the console's file (run scripts/setup.sh, or serve --web DIR)", path));
  }
  return text.str();
}

// The console's own modules and styles: web/console/*.js and *.css and web/console/pages/*.js, served at
// /console/NAME and /console/pages/NAME. Only plain names (letters, digits, '-', '_', one dot), so that
// nothing else in the directory (a dotfile, an editor's backup) is served.
std::vector<std::string> ConsoleSources(const std::string& web_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* dir : {"console", "console/pages"}) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(web_dir) / dir, ec)) {
      const std::string name = e.path().filename().string();
      const bool plain = std::all_of(name.begin(), name.end(),
                                     [](char ch) {
                                       return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                                              ch == '_' || ch == '.';
                                     }) &&
                         std::count(name.begin(), name.end(), '.') == 1;
      if (e.is_regular_file() && plain && (name.ends_with(".js") || name.ends_with(".css")))
        out.push_back(fmt::format("{}/{}", dir, name));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Console> Console::Load(const std::string& web_dir) {
  struct Source {
    std::string served_at;
    std::string file;  // under web_dir
    std::string content_type;
  };
  std::vector<Source> sources = {
      {"/", "console/index.html", "text/html; charset=utf-8"},
      {"/console/echarts.js", "build/echarts.js", "text/javascript; charset=utf-8"},  // npm run build
      {"/console/china.json", "node_modules/echarts4/map/json/china.json", "application/json"},
  };
  for (const std::string& file : ConsoleSources(web_dir)) {
    sources.push_back(
        {"/" + file, file,
         file.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"});
  }
  Console c;
  for (const Source& s : sources) {
    Result<std::string> text = ReadFile(fmt::format("{}/{}", web_dir, s.file));
    if (!text) return std::unexpected(text.error());
    c.files_[s.served_at] = ConsoleFile::Of(s.content_type, std::move(*text));
  }
  if (!c.files_.contains("/console/app.js")) {
    return Fail(ErrorCode::kIo, fmt::format("{}/console/app.js: cannot read the console's file (run "
                                            "scripts/setup.sh, or serve --web DIR)",
                                            web_dir));
  }
  return c;
}

ConsoleFile ConsoleFile::Of(std::string content_type, std::string body) {
  ConsoleFile file;
  file.content_type = std::move(content_type);
  file.body = std::move(body);
  file.gzip = http::Gzip(file.body, 9);
  // FNV-1a of the bytes: they change only with a restart, and the tag with them.
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char ch : file.body) hash = (hash ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
  file.etag = fmt::format("\"{:016x}-{}\"", hash, file.body.size());
  return file;
}

const ConsoleFile* Console::Find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace zhisuan::views
