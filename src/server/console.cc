#include "server/console.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "server/http_gzip.h"

namespace zhisuan::views {

Result<Console> Console::Load(const std::string& web_dir) {
  struct Source {
    const char* served_at;
    const char* file;  // under web_dir
    const char* content_type;
  };
  static constexpr Source kFiles[] = {
      {"/", "console/index.html", "text/html; charset=utf-8"},
      {"/console/app.js", "console/app.js", "text/javascript; charset=utf-8"},
      {"/console/lib.js", "console/lib.js", "text/javascript; charset=utf-8"},
      {"/console/app.css", "console/app.css", "text/css; charset=utf-8"},
      {"/console/echarts.js", "build/echarts.js", "text/javascript; charset=utf-8"},  // npm run build
      {"/console/china.json", "node_modules/echarts4/map/json/china.json", "application/json"},
  };
  Console c;
  for (const Source& s : kFiles) {
    const std::string path = fmt::format("{}/{}", web_dir, s.file);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in || text.str().empty()) {
      return Fail(
          ErrorCode::kIo,
          fmt::format("{}: cannot read the console's file (run scripts/setup.sh, or serve --web DIR)", path));
    }
    c.files_[s.served_at] = ConsoleFile::Of(s.content_type, text.str());
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
