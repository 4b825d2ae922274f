#include "store/registry_source.h"

#include <fmt/format.h>

#include "store/sql.h"
#include "store/sql_store.h"

namespace zhisuan {
namespace {

Status ApplyRuntime(Store& store, Registry& registry) {
  Result<std::vector<CenterRuntime>> runtime = store.LoadCenterRuntime();
  if (!runtime) return std::unexpected(runtime.error());
  for (const CenterRuntime& rt : *runtime) {
    Center* center = registry.MutableCenter(rt.center_id);
    if (center == nullptr || center->pools.size() != rt.free_devices.size()) {
      return Fail(
          ErrorCode::kStore,
          fmt::format("stored state of center '{}' does not match its registry documents", rt.center_id));
    }
    center->state = rt.state;
    for (size_t i = 0; i < rt.free_devices.size(); ++i) center->pools[i].free_devices = rt.free_devices[i];
  }
  return {};
}

Result<Registry> LoadFromDataDir(const std::filesystem::path& data_dir, std::vector<DataFile>& files) {
  Result<std::vector<DataFile>> read = ReadDataDir(data_dir);
  if (!read) return std::unexpected(read.error());
  files = std::move(*read);
  return LoadRegistry(files);
}

}  // namespace

Result<OpenedRegistry> OpenRegistry(const std::filesystem::path& db_path,
                                    const std::filesystem::path& data_dir, bool reload, bool init) {
  const std::string target = db_path.string();
  const bool postgres = sql::IsPostgresUrl(target);
  std::error_code ec;
  // A PostgreSQL database exists before zhisuan does: whether it holds a registry is asked below.
  const bool db_exists =
      postgres || (std::filesystem::exists(db_path, ec) && std::filesystem::file_size(db_path, ec) > 0);
  std::vector<DataFile> files;
  std::optional<Registry> from_data;
  // Validate the data before the database is created, so bad data leaves no trace.
  if (!db_exists || reload) {
    Result<Registry> loaded = LoadFromDataDir(data_dir, files);
    if (!loaded) return std::unexpected(loaded.error());
    from_data = std::move(*loaded);
  }
  Result<std::unique_ptr<Store>> store = OpenStore(target, init);
  if (!store) return std::unexpected(store.error());

  for (int round = 0; round < 2; ++round) {
    if (!from_data) {
      Result<std::optional<std::vector<DataFile>>> saved = (*store)->LoadRegistryDocuments();
      if (!saved) return std::unexpected(saved.error());
      if (*saved) {
        Result<Registry> registry = LoadRegistry(**saved);
        if (!registry) {
          return Fail(ErrorCode::kStore,
                      fmt::format("{}: saved registry no longer validates (--reload replaces it with "
                                  "the data files):\n{}",
                                  sql::Redacted(target), registry.error().message));
        }
        if (Status s = ApplyRuntime(**store, *registry); !s) return std::unexpected(s.error());
        return OpenedRegistry{std::move(*store), std::move(*registry), false};
      }
      Result<Registry> loaded = LoadFromDataDir(data_dir, files);  // an existing but empty database
      if (!loaded) return std::unexpected(loaded.error());
      from_data = std::move(*loaded);
    }
    if (reload) {
      if (Status s = (*store)->SaveRegistry(files, *from_data); !s) return std::unexpected(s.error());
      return OpenedRegistry{std::move(*store), std::move(*from_data), true};
    }
    // Seeding: another server on the same database may have seeded it first; then its registry is loaded.
    Result<bool> seeded = (*store)->SeedRegistry(files, *from_data);
    if (!seeded) return std::unexpected(seeded.error());
    if (*seeded) return OpenedRegistry{std::move(*store), std::move(*from_data), true};
    from_data.reset();
  }
  return Fail(ErrorCode::kStore, fmt::format("{}: the registry could not be read or seeded", target));
}

}  // namespace zhisuan
