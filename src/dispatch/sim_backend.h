// dispatch/sim_backend.h — virtual execution for centers without a real engine (the shipped dataset's
// default): a job "runs" for its modelled run time x `factor` of wall-clock time. The handle encodes the
// start and the duration, so the state survives a server restart without any file.
#pragma once

#include <functional>
#include <mutex>
#include <set>

#include "dispatch/backend.h"

namespace zhisuan::dispatch {

class SimBackend final : public Backend {
 public:
  // `now` returns seconds since the Unix epoch.
  SimBackend(double factor, std::function<double()> now) : factor_(factor), now_(std::move(now)) {}
  std::string_view kind() const override { return "sim"; }
  Result<std::string> Submit(const DispatchRequest& request) override;
  Result<std::optional<std::string>> Find(const std::string& name) override;
  Result<RunStatus> Poll(const std::string& handle) override;
  Status Cancel(const std::string& handle) override;
  Status Ping() override { return {}; }
  Result<std::string> Logs(const std::string& handle, size_t max_bytes) override;
  double time_scale() const override { return factor_ > 0 ? 1.0 / factor_ : 1.0; }
  bool instant() const override { return true; }

 private:
  double factor_;
  std::function<double()> now_;
  std::mutex mu_;
  std::set<std::string> cancelled_;
};

}  // namespace zhisuan::dispatch
