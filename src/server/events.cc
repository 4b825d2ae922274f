#include "server/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace zhisuan::views {

std::string LiveEvents::Event(uint64_t id, const std::string& json) {
  return fmt::format("event: live\nid: {}\ndata: {}\n\n", id, json);
}

Result<std::shared_ptr<http::Stream>> LiveEvents::Subscribe(const std::string& state_json,
                                                            const std::string& address) {
  std::lock_guard lock(mu_);
  std::erase_if(subs_, [](const Subscriber& s) { return !s.stream->open(); });
  if (stopping_) return Fail(ErrorCode::kUnavailable, "events: the server is stopping");
  if (subs_.size() >= max_) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("events: {} clients are listening, the server's limit", max_));
  }
  const auto from_here =
      std::ranges::count_if(subs_, [&](const Subscriber& s) { return s.address == address; });
  if (static_cast<size_t>(from_here) >= max_per_address_) {
    return Fail(ErrorCode::kRateLimited,
                fmt::format("events: {} streams from {} already (at most {} from one address)", from_here,
                            address.empty() ? "this client" : address, max_per_address_));
  }
  auto stream = std::make_shared<http::Stream>();
  // A browser reconnects after 3 s when the connection drops; the state now, so that it starts from it.
  stream->Send(fmt::format("retry: 3000\n\n{}", Event(sequence_, state_json)));
  subs_.push_back({stream, address});
  return stream;
}

void LiveEvents::Start(std::function<std::string()> read) {
  read_ = std::move(read);
  thread_ = std::thread([this] { Publish(); });
}

void LiveEvents::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    for (const Subscriber& s : subs_) s.stream->Close();
    subs_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t LiveEvents::subscribers() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Subscriber& s : subs_) n += s.stream->open() ? 1 : 0;
  return n;
}

void LiveEvents::Publish() {
  const auto interval = std::chrono::duration<double>(interval_s_);
  const int keepalive_every = std::max(1, static_cast<int>(15 / interval_s_));
  int quiet = 0;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
    const std::string state = read_();  // outside the lock: it takes the scheduler's
    std::lock_guard lock(mu_);
    std::erase_if(subs_, [](const Subscriber& s) { return !s.stream->open(); });
    std::string message;
    if (state != last_) {
      last_ = state;
      message = Event(++sequence_, state);
      quiet = 0;
    } else if (++quiet >= keepalive_every) {
      message = ": keepalive\n\n";
      quiet = 0;
    }
    if (message.empty()) continue;
    for (const Subscriber& s : subs_)
      s.stream->Send(message);  // a stream that cannot take it has ended: gone next round
  }
}

}  // namespace zhisuan::views
