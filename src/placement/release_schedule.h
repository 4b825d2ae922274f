// placement/release_schedule.h — the devices a pool gets back over time (running jobs' finishes), kept for
// the one question placement asks: by when have at least N devices come back? A sorted sequence in chunks of
// fewer than 64 releases, with each chunk's last time in a flat array and the chunks' device sums in a
// Fenwick tree: adding or removing a release moves at most one chunk's entries, and the question descends the
// tree (O(log chunks)) before it walks one chunk. A pool with thousands of running jobs (the simulator's big
// pools) stays cheap on every side; a flat sorted vector moved half the schedule on every start and finish.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace zhisuan::placement {

// Devices a pool gets back at a time (seconds since the Unix epoch, like PlaceOptions::now_s).
struct Release {
  double at_s = 0;
  int64_t devices = 0;
};

class ReleaseSchedule {
 public:
  ReleaseSchedule() = default;
  explicit ReleaseSchedule(std::vector<Release> releases) { Assign(std::move(releases)); }

  // Replaces the schedule (any order).
  void Assign(std::vector<Release> releases);
  // Adds a release after the ones at the same time.
  void Add(double at_s, int64_t devices);
  // Removes one release of exactly these devices at exactly this time; false when there is none.
  bool Remove(double at_s, int64_t devices);

  // The earliest time by which releases return at least `devices` in total; nullopt when all of them return
  // fewer.
  std::optional<double> When(int64_t devices) const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The releases in time order.
  std::vector<Release> Entries() const;
  size_t MemoryBytes() const;

 private:
  static constexpr size_t kSplitAt = 64;

  void Refresh(size_t chunk);                     // recomputes a chunk's sum and last time
  void AddToTree(size_t chunk, int64_t devices);  // a chunk's sum changed by `devices`
  void RebuildTree();                             // after chunks split or vanish

  std::vector<std::vector<Release>> chunks_;  // each sorted by at_s, never empty; chunks in time order
  std::vector<double> last_;                  // per chunk: its last release time
  std::vector<int64_t> sum_;                  // per chunk: its devices
  // Fenwick tree over sum_ (1-based), rebuilt when chunks split or vanish (every few dozen changes); const
  // methods never write, so one schedule may be read from many threads.
  std::vector<int64_t> tree_;
  size_t size_ = 0;
};

}  // namespace zhisuan::placement
