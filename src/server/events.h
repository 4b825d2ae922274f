// server/events.h — server-sent events of the network's live state (GET /api/v1/events): a publisher thread
// reads the state every interval and sends it to every subscriber when it has changed (`event: live`), with a
// comment every 15 s so that proxies keep the connection and a gone client is noticed. The console's pages
// refresh on an event instead of asking every 5 s. Subscribers are bounded; a client that stops reading is
// dropped by its stream (server/http_stream.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_stream.h"
#include "util/error.h"

namespace zhisuan::views {

class LiveEvents {
 public:
  LiveEvents(double interval_s, size_t max_subscribers, size_t max_per_address = 8)
      : interval_s_(interval_s), max_(max_subscribers), max_per_address_(max_per_address) {}
  ~LiveEvents() { Stop(); }
  LiveEvents(const LiveEvents&) = delete;
  LiveEvents& operator=(const LiveEvents&) = delete;

  // A new subscriber's stream, opened with the reconnection delay and the state now; kUnavailable (503) when
  // `max_subscribers` are listening, kRateLimited (429) when `max_per_address` of them come from `address`
  // (one client cannot take every place).
  Result<std::shared_ptr<http::Stream>> Subscribe(const std::string& state_json,
                                                  const std::string& address = "");
  // Starts the publisher: every interval `read` gives the state as JSON (on the publisher's thread).
  void Start(std::function<std::string()> read);
  // Stops the publisher and ends every stream. Idempotent.
  void Stop();
  size_t subscribers() const;

  // One event in the text/event-stream format.
  static std::string Event(uint64_t id, const std::string& json);

 private:
  void Publish();

  const double interval_s_;
  const size_t max_;
  const size_t max_per_address_;
  std::function<std::string()> read_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  struct Subscriber {
    std::shared_ptr<http::Stream> stream;
    std::string address;
  };
  std::vector<Subscriber> subs_;  // GUARDED_BY(mu_)
  std::string last_;              // GUARDED_BY(mu_): the state last sent
  uint64_t sequence_ = 0;         // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace zhisuan::views
