// store/store.h — durable platform state behind an interface. The SQL implementation (sql_store.h)
// keeps the validated registry documents exactly as loaded, plus normalized tables of centers and pools that
// hold their mutable runtime state (center state, free devices).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/loader.h"
#include "util/error.h"

namespace zhisuan {

// Mutable runtime state of one center, as persisted.
struct CenterRuntime {
  std::string center_id;
  CenterState state = CenterState::kUp;
  std::vector<int64_t> free_devices;  // one per pool, in the registry's pool order
};

class Store {
 public:
  virtual ~Store() = default;

  // The schema version the store is at after its migrations ran.
  virtual int SchemaVersion() const = 0;

  // The registry documents saved by SaveRegistry, or nullopt when none were saved yet.
  virtual Result<std::optional<std::vector<DataFile>>> LoadRegistryDocuments() = 0;

  // Replaces the registry documents and the center/pool tables with `registry`, in one transaction:
  // on error nothing changes.
  virtual Status SaveRegistry(const std::vector<DataFile>& files, const Registry& registry) = 0;
  // SaveRegistry when no registry is saved yet (true), else nothing (false), decided in the transaction that
  // writes: servers seeding one database at once save it once.
  virtual Result<bool> SeedRegistry(const std::vector<DataFile>& files, const Registry& registry) = 0;

  virtual Result<std::vector<CenterRuntime>> LoadCenterRuntime() = 0;
  virtual Status SetCenterState(const std::string& center_id, CenterState state) = 0;
};

}  // namespace zhisuan
