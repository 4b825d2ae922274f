// server/http_stream.h — an answer whose body is sent as it is made (server-sent events): a handler returns a
// Response holding a Stream, the loop writes the head and then whatever the producer sends, from any thread,
// until either side ends it. The connection closes after it (the body is delimited by the close). A client
// that stops reading is dropped once `max_buffered` bytes wait for it: the producer never blocks and never
// buffers without bound.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace zhisuan::http {

class Stream {
 public:
  explicit Stream(size_t max_buffered = 256 << 10) : max_buffered_(max_buffered) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Any thread. Queues `bytes` for the client; false (and nothing queued) once the stream has ended: the
  // client went away, fell `max_buffered` bytes behind, or the producer closed it.
  bool Send(std::string_view bytes);
  // The producer is done: the loop sends what is queued and closes the connection.
  void Close();
  // Whether Send can still deliver.
  bool open() const;

  // The loop's side. Attach: `wake` is called (from the sending thread, without the stream's lock) when there
  // is something to write or the stream ended. Take: what is queued, and whether the stream ended (nothing
  // more will come). Gone: the connection closed.
  void Attach(std::function<void()> wake);
  std::string Take(bool& ended);
  void Gone();

 private:
  const size_t max_buffered_;
  mutable std::mutex mu_;
  std::string pending_;         // GUARDED_BY(mu_)
  bool ended_ = false;          // GUARDED_BY(mu_): closed by either side
  std::function<void()> wake_;  // GUARDED_BY(mu_)
};

}  // namespace zhisuan::http
