// util/id_index.h — string id -> dense index for lookups on hot paths (the simulator resolves every job's
// model, reference and province names): open addressing over a power-of-two table, a hash of the id's length
// and three 8-byte windows, and one full compare on a hit. About a quarter of std::unordered_map's
// instructions per lookup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zhisuan {

class IdIndex {
 public:
  // Maps `id` to `index` unless it is mapped already (the first mapping wins).
  void Add(std::string_view id, int32_t index);
  // The index of `id`, or -1.
  int32_t Find(std::string_view id) const {
    if (slots_.empty()) return -1;
    for (size_t s = Hash(id) & mask_;; s = (s + 1) & mask_) {
      const int32_t e = slots_[s];
      if (e < 0) return -1;
      if (entries_[static_cast<size_t>(e)].id == id) return entries_[static_cast<size_t>(e)].index;
    }
  }
  size_t size() const { return entries_.size(); }
  size_t MemoryBytes() const;

 private:
  static uint64_t Hash(std::string_view s);
  void Rehash(size_t capacity);

  struct Entry {
    std::string id;
    int32_t index = 0;
  };
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;  // entry position, -1 empty
  size_t mask_ = 0;
};

}  // namespace zhisuan
