#include "placement/release_schedule.h"

#include <algorithm>
#include <bit>
#include <iterator>

namespace zhisuan::placement {

void ReleaseSchedule::Assign(std::vector<Release> releases) {
  std::ranges::stable_sort(releases, {}, &Release::at_s);
  chunks_.clear();
  last_.clear();
  sum_.clear();
  size_ = releases.size();
  for (size_t i = 0; i < releases.size(); i += kSplitAt / 2) {
    const auto first = releases.begin() + static_cast<std::ptrdiff_t>(i);
    const auto last =
        releases.begin() + static_cast<std::ptrdiff_t>(std::min(releases.size(), i + kSplitAt / 2));
    chunks_.emplace_back(first, last);
    last_.push_back(0);
    sum_.push_back(0);
    Refresh(chunks_.size() - 1);
  }
  RebuildTree();
}

void ReleaseSchedule::AddToTree(size_t chunk, int64_t devices) {
  for (size_t i = chunk + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += devices;
}

void ReleaseSchedule::RebuildTree() {
  tree_.assign(sum_.size() + 1, 0);
  for (size_t i = 1; i < tree_.size(); ++i) {
    tree_[i] += sum_[i - 1];
    if (const size_t parent = i + (i & (~i + 1)); parent < tree_.size()) tree_[parent] += tree_[i];
  }
}

void ReleaseSchedule::Refresh(size_t chunk) {
  int64_t sum = 0;
  for (const Release& r : chunks_[chunk]) sum += r.devices;
  sum_[chunk] = sum;
  last_[chunk] = chunks_[chunk].back().at_s;
}

void ReleaseSchedule::Add(double at_s, int64_t devices) {
  ++size_;
  if (chunks_.empty()) {
    chunks_.push_back({{at_s, devices}});
    last_.push_back(at_s);
    sum_.push_back(devices);
    RebuildTree();
    return;
  }
  // The first chunk whose last release is later; the last chunk when none is.
  size_t c = static_cast<size_t>(std::ranges::upper_bound(last_, at_s) - last_.begin());
  if (c == chunks_.size()) c = chunks_.size() - 1;
  std::vector<Release>& items = chunks_[c];
  items.insert(std::ranges::upper_bound(items, at_s, {}, &Release::at_s), Release{at_s, devices});
  sum_[c] += devices;
  last_[c] = std::max(last_[c], at_s);
  if (items.size() < kSplitAt) {
    AddToTree(c, devices);
    return;
  }
  // Split in halves: the second half becomes the next chunk.
  const auto middle = items.begin() + static_cast<std::ptrdiff_t>(items.size() / 2);
  std::vector<Release> tail(middle, items.end());
  items.erase(middle, items.end());
  const auto at = static_cast<std::ptrdiff_t>(c + 1);
  chunks_.insert(chunks_.begin() + at, std::move(tail));
  last_.insert(last_.begin() + at, 0);
  sum_.insert(sum_.begin() + at, 0);
  Refresh(c);
  Refresh(c + 1);
  RebuildTree();
}

bool ReleaseSchedule::Remove(double at_s, int64_t devices) {
  // Releases at `at_s` start in the first chunk whose last release is not earlier, and may run on.
  for (size_t c = static_cast<size_t>(std::ranges::lower_bound(last_, at_s) - last_.begin());
       c < chunks_.size(); ++c) {
    std::vector<Release>& items = chunks_[c];
    auto it = std::ranges::lower_bound(items, at_s, {}, &Release::at_s);
    for (; it != items.end() && it->at_s == at_s; ++it) {
      if (it->devices != devices) continue;
      items.erase(it);
      --size_;
      if (items.empty()) {
        const auto at = static_cast<std::ptrdiff_t>(c);
        chunks_.erase(chunks_.begin() + at);
        last_.erase(last_.begin() + at);
        sum_.erase(sum_.begin() + at);
        RebuildTree();
      } else {
        sum_[c] -= devices;
        last_[c] = items.back().at_s;
        AddToTree(c, -devices);
      }
      return true;
    }
    if (it != items.end()) return false;  // passed the time within this chunk
  }
  return false;
}

std::optional<double> ReleaseSchedule::When(int64_t devices) const {
  if (chunks_.empty()) return std::nullopt;
  // The first chunk whose running sum reaches `devices`: descend the tree, keeping what is still missing.
  const size_t n = sum_.size();
  size_t pos = 0;
  int64_t missing = devices;
  for (size_t step = std::bit_floor(n); step > 0; step >>= 1) {
    if (pos + step <= n && tree_[pos + step] < missing) {
      pos += step;
      missing -= tree_[pos];
    }
  }
  if (pos == n) return std::nullopt;  // all of them return fewer
  int64_t got = 0;
  for (const Release& r : chunks_[pos]) {
    got += r.devices;
    if (got >= missing) return r.at_s;
  }
  return std::nullopt;  // unreachable while the sums are right
}

std::vector<Release> ReleaseSchedule::Entries() const {
  std::vector<Release> all;
  all.reserve(size_);
  for (const auto& items : chunks_) all.insert(all.end(), items.begin(), items.end());
  return all;
}

size_t ReleaseSchedule::MemoryBytes() const {
  size_t bytes = chunks_.capacity() * sizeof(chunks_[0]) + last_.capacity() * sizeof(double) +
                 (sum_.capacity() + tree_.capacity()) * sizeof(int64_t);
  for (const auto& items : chunks_) bytes += items.capacity() * sizeof(Release);
  return bytes;
}

}  // namespace zhisuan::placement
