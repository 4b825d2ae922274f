// store/leader_lease.h — which replica leads: a lease row in the shared database, on a connection of its own
// (renewals never queue behind job commits). Times are the database's clock, so replicas' clocks may differ.
// The epoch grows by one with every change of holder: the leader stamps its writes with it (JobStore::
// SetFence), and a former leader's writes are refused once another has taken over.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "util/error.h"

namespace zhisuan {

struct Lease {
  int64_t epoch = 0;
  std::string holder;   // the replica's id
  std::string address;  // where it answers (its --advertise address)
  double since = 0;     // when this holder took it (database clock, seconds since the epoch)
  double expires_at = 0;
  double now = 0;  // the database's clock when this was read
};

class LeaderLease {
 public:
  static Result<std::unique_ptr<LeaderLease>> Open(const std::string& target);
  ~LeaderLease();

  // Takes the lease for `holder` when nobody holds it or its holder's lease has expired (epoch + 1), or
  // renews it when `holder` holds it; either way it then expires `ttl_s` from now. Returns the lease as it
  // stands afterwards: held by `holder` or by another replica.
  Result<Lease> AcquireOrRenew(const std::string& holder, const std::string& address, double ttl_s);
  // Gives the lease up at once (a clean shutdown), when `holder` holds it at `epoch`.
  Status Release(const std::string& holder, int64_t epoch);
  // The lease as it stands, or nullopt when nobody ever took it.
  Result<std::optional<Lease>> Current();

 private:
  struct Impl;
  explicit LeaderLease(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhisuan
