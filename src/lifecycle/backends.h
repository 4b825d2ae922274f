// lifecycle/backends.h — which backend runs each center's jobs. Centers take the backend their registry entry
// names (`backend: sim | local | slurm`); a backends file (zhisuan serve --backends FILE) gives the
// machine-specific settings:
//
//   sim_factor: 0.001            # simulated jobs take their modelled run time x this (default 1)
//   local_root: /var/lib/zhisuan/local   # default for local centers: <db dir>/local/<center>
//   centers:
//     east: {slurm_conf: /etc/slurm-east/slurm.conf, spool: /srv/east/jobs, jobcomp: /srv/east/jobcomp.txt}
//     lab:  {root: /srv/lab/jobs}
//   tenants:                     # the Unix user (and group) each tenant's local jobs run as; never root
//     acme: {user: acme, group: acme}
//   allow_service_user: false    # true (a single-user lab): unmapped tenants' jobs run as the server's user
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "dispatch/backend.h"
#include "model/registry.h"

namespace zhisuan::lifecycle {

using BackendMap = std::map<std::string, std::shared_ptr<dispatch::Backend>>;  // center id -> backend

// Builds a backend for every center of `registry`. `config_text` may be empty. `state_dir` holds the default
// local roots. Errors name the file and field (e.g. a Slurm center without its slurm_conf).
Result<BackendMap> MakeBackends(const Registry& registry, const std::string& config_file,
                                const std::string& config_text, const std::string& state_dir,
                                std::function<double()> now);

}  // namespace zhisuan::lifecycle
