#include "server/http_stream.h"

#include <utility>

namespace zhisuan::http {

bool Stream::Send(std::string_view bytes) {
  std::function<void()> wake;
  bool queued = true;
  {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    if (pending_.size() + bytes.size() > max_buffered_) {
      ended_ = true;  // a client this far behind is dropped, not waited for
      pending_.clear();
      queued = false;
    } else {
      pending_.append(bytes);
    }
    wake = wake_;
  }
  if (wake) wake();
  return queued;
}

void Stream::Close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    ended_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

bool Stream::open() const {
  std::lock_guard lock(mu_);
  return !ended_;
}

void Stream::Attach(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

std::string Stream::Take(bool& ended) {
  std::lock_guard lock(mu_);
  ended = ended_;
  return std::exchange(pending_, {});
}

void Stream::Gone() {
  std::lock_guard lock(mu_);
  ended_ = true;
  pending_.clear();
  wake_ = nullptr;
}

}  // namespace zhisuan::http
