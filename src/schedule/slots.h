// schedule/slots.h — reusable slots for jobs and runs: an index stays valid while its slot is held, a
// slot never moves (blocks of 1,024), and freed slots are reused first, most recently freed first, with the
// storage their last occupant left (vectors keep their capacity).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace zhisuan::schedule {

template <typename T>
class Slots {
 public:
  uint32_t Acquire() {
    if (!free_.empty()) {
      const uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    if (size_ % kBlock == 0) blocks_.push_back(std::make_unique<T[]>(kBlock));
    return size_++;
  }
  void Release(uint32_t i) { free_.push_back(i); }
  // Where the next Acquire will be, if it reuses a slot.
  const T* Next() const { return free_.empty() ? nullptr : &(*this)[free_.back()]; }
  T& operator[](uint32_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](uint32_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  uint32_t size() const { return size_; }

 private:
  static constexpr uint32_t kBlock = 1024;
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::vector<uint32_t> free_;
  uint32_t size_ = 0;
};

}  // namespace zhisuan::schedule
