// server/console.h — the supervision console's files: the single-page app in web/console (index.html, its
// modules and styles: app.js, core.js, widgets.js, pages/*.js, lib.js, app.css) and the two assets it draws
// with, ECharts and the China province map (web/node_modules, pinned by web/package-lock.json). Read once at
// start, compressed once, and served from memory with a strict Content-Security-Policy.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan::views {

// Bytes that do not change while the server runs: a console file, or an API answer made from the registry
// alone (loaded once at start).
struct ConsoleFile {
  std::string content_type;
  std::string body;
  std::string gzip;  // the body compressed once at zlib's best level; empty when that saves nothing
  std::string etag;  // a strong validator of the body: a browser revalidating gets 304 and no bytes

  // `body` with its compressed form and tag.
  static ConsoleFile Of(std::string content_type, std::string body);
};

class Console {
 public:
  // Reads the files under `web_dir`; kIo naming the first file that cannot be read (run scripts/setup.sh).
  static Result<Console> Load(const std::string& web_dir);
  // The file served at `path` ("/" or "/console/NAME"), or null.
  const ConsoleFile* Find(std::string_view path) const;

 private:
  std::map<std::string, ConsoleFile, std::less<>> files_;
};

}  // namespace zhisuan::views
