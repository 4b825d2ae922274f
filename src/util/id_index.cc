#include "util/id_index.h"

#include <cstring>

namespace zhisuan {
namespace {

uint64_t Load8(const char* p) {  // 8 bytes (a constant-size copy compiles to one load)
  uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t LoadShort(const char* p, size_t n) {  // fewer than 8 bytes, zero-padded
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

uint64_t IdIndex::Hash(std::string_view s) {
  const size_t n = s.size();
  uint64_t h = n * 0x9E3779B97F4A7C15ull;
  if (n < 8) {
    h ^= LoadShort(s.data(), n) * 0xBF58476D1CE4E5B9ull;
  } else {
    h ^= Load8(s.data()) * 0xBF58476D1CE4E5B9ull;
    h ^= Load8(s.data() + n / 2 - 4) * 0x94D049BB133111EBull;
    h ^= Load8(s.data() + n - 8) * 0xD6E8FEB86659FD93ull;
  }
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

void IdIndex::Rehash(size_t capacity) {
  slots_.assign(capacity, -1);
  mask_ = capacity - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    size_t s = Hash(entries_[e].id) & mask_;
    while (slots_[s] >= 0) s = (s + 1) & mask_;
    slots_[s] = static_cast<int32_t>(e);
  }
}

void IdIndex::Add(std::string_view id, int32_t index) {
  if (Find(id) >= 0) return;
  entries_.push_back({std::string(id), index});
  // At most half full.
  size_t capacity = slots_.empty() ? 16 : slots_.size();
  while (capacity < 2 * entries_.size()) capacity *= 2;
  if (capacity != slots_.size()) {
    Rehash(capacity);
    return;
  }
  size_t s = Hash(id) & mask_;
  while (slots_[s] >= 0) s = (s + 1) & mask_;
  slots_[s] = static_cast<int32_t>(entries_.size() - 1);
}

size_t IdIndex::MemoryBytes() const {
  size_t bytes = entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(int32_t);
  for (const Entry& e : entries_) bytes += e.id.capacity() > 15 ? e.id.capacity() : 0;
  return bytes;
}

}  // namespace zhisuan
