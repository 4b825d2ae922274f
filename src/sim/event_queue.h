// sim/event_queue.h — the engine's future events: a 4-ary min-heap on (time, creation order), so ties come
// out in the order they were scheduled and a run is deterministic. Four children share two cache lines and
// the tree is half as deep as a binary heap's; with tens of thousands of running jobs a pop touches about 8
// levels.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace zhisuan::sim {

enum class EventKind : uint8_t {
  kFinish,
  kCenterDown,
  kCenterUp,
  kSample,
  kWake  // a job held for a cheaper period is due
};       // arrivals are pulled from the source

struct Event {
  double t_s = 0;
  uint64_t seq = 0;  // creation order: breaks ties
  uint64_t ref = 0;  // running job, failure or arrival index
  EventKind kind = EventKind::kFinish;
};

class EventQueue {
 public:
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }

  void Push(double t_s, EventKind kind, uint64_t ref) {
    Event e{t_s, seq_++, ref, kind};
    size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const size_t parent = (i - 1) / 4;
      if (!Before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  Event Pop() {
    const Event top = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const size_t n = heap_.size();
    if (n == 0) return top;
    size_t i = 0;
    while (true) {
      const size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      const size_t end = first + 4 < n ? first + 4 : n;
      for (size_t c = first + 1; c < end; ++c) {
        if (Before(heap_[c], heap_[best])) best = c;
      }
      if (!Before(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return top;
  }

 private:
  static bool Before(const Event& a, const Event& b) {
    return a.t_s != b.t_s ? a.t_s < b.t_s : a.seq < b.seq;
  }

  std::vector<Event> heap_;
  uint64_t seq_ = 0;
};

}  // namespace zhisuan::sim
