#include "lifecycle/backends.h"

#include <fmt/format.h>
#include <unistd.h>

#include <limits>

#include "dispatch/local_backend.h"
#include "dispatch/sim_backend.h"
#include "dispatch/slurm_backend.h"
#include "model/yaml_field.h"

namespace zhisuan::lifecycle {

Result<BackendMap> MakeBackends(const Registry& registry, const std::string& file, const std::string& text,
                                const std::string& state_dir, std::function<double()> now) {
  Diagnostics diag;
  YAML::Node doc;
  if (!text.empty()) {
    std::optional<YAML::Node> parsed = ParseYaml(file, text, diag);
    if (!parsed) return Fail(ErrorCode::kParse, diag.Join());
    doc = *parsed;
  }
  const YamlField top(doc, &file, "", &diag);
  double factor = 1;
  std::string local_root = state_dir + "/local";
  dispatch::TenantUsers users;
  std::string runner = dispatch::LocalBackend::DefaultRunner().string();
  YamlField centers = top.Child("centers");
  if (top.defined()) {
    top.ExpectMap({"sim_factor", "local_root", "runner", "centers", "tenants", "allow_service_user"});
    factor = top.OptNumber("sim_factor", 1e-9, 1e9).value_or(1);
    local_root = top.OptString("local_root", local_root);
    if (top.Child("runner").defined()) {
      runner = top.OptString("runner", runner);
      if (::access(runner.c_str(), X_OK) != 0)
        top.Child("runner").Error(fmt::format("'{}' is not an executable", runner));
    }
    users.allow_service_user = top.Bool("allow_service_user", false);
    const YamlField tenants = top.Child("tenants");
    if (tenants.defined() && !tenants.IsMap())
      tenants.Error("must map each tenant to {user: NAME, group: NAME, account: SLURM_ACCOUNT}");
    for (const auto& [tenant, t] : tenants.Entries()) {
      if (!t.ExpectMap({"user", "group", "account"})) continue;
      const std::optional<std::string> user = t.String("user");
      if (!user) continue;
      Result<dispatch::UnixUser> resolved = dispatch::ResolveUnixUser(*user, t.OptString("group"));
      if (!resolved) {
        t.Child("user").Error(resolved.error().message);
        continue;
      }
      resolved->account = t.OptString("account");
      if (resolved->account.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != std::string::npos) {
        t.Child("account").Error("a Slurm account name has only letters, digits, '_', '-' and '.'");
        continue;
      }
      users.by_tenant[tenant] = *resolved;
    }
    for (const auto& [id, f] : centers.Entries()) {
      if (registry.FindCenter(id) == nullptr)
        f.Error(fmt::format("'{}' is not a center of the registry", id));
    }
  }
  BackendMap out;
  auto sim = std::make_shared<dispatch::SimBackend>(factor, now);
  for (const Center& c : registry.centers()) {
    const YamlField f = centers.Child(c.id);
    switch (c.backend) {
      case BackendKind::kSim:
        out[c.id] = sim;
        break;
      case BackendKind::kLocal: {
        std::string root = local_root + "/" + c.id;
        if (f.defined()) {
          f.ExpectMap({"root"});
          root = f.OptString("root", root);
        }
        out[c.id] = std::make_shared<dispatch::LocalBackend>(root, runner, users);
        break;
      }
      case BackendKind::kSlurm: {
        if (!f.defined()) {
          f.Error(fmt::format("center '{}' runs on Slurm: give its slurm_conf and spool", c.id));
          break;
        }
        f.ExpectMap({"slurm_conf", "spool", "jobcomp", "partition"});
        dispatch::SlurmOptions o;
        o.slurm_conf = f.String("slurm_conf").value_or("");
        o.spool = f.String("spool").value_or("");
        o.jobcomp = f.OptString("jobcomp");
        o.partition = f.OptString("partition");
        o.users = users;
        out[c.id] = std::make_shared<dispatch::SlurmBackend>(o);
        break;
      }
    }
  }
  if (!diag.empty()) return Fail(ErrorCode::kValidation, diag.Join());
  return out;
}

}  // namespace zhisuan::lifecycle
