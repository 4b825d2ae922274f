// store/registry_source.h — where a running zhisuan gets its registry: from the store, seeded from the data
// files on first start.
#pragma once

#include <filesystem>
#include <memory>

#include "model/registry.h"
#include "store/store.h"

namespace zhisuan {

struct OpenedRegistry {
  std::unique_ptr<Store> store;
  Registry registry;
  bool seeded = false;  // true when this call loaded the data files into the store
};

// Opens the store at `db_path`. On first start (nothing saved yet), or with `reload`, loads and validates the
// data files of `data_dir` and saves them in one transaction; otherwise the saved documents are loaded and
// the saved runtime state (center state, free devices) applied. Invalid data writes nothing: a database that
// did not exist is not created. `init` is OpenStore's. `db_path` may be a PostgreSQL URL.
Result<OpenedRegistry> OpenRegistry(const std::filesystem::path& db_path,
                                    const std::filesystem::path& data_dir, bool reload = false,
                                    bool init = false);

}  // namespace zhisuan
