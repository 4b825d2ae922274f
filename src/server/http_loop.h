// server/http_loop.h — an event-driven HTTP/1.1 server made for hostile clients: one epoll thread accepts,
// reads and writes every connection without blocking; complete requests go to a pool of worker threads that
// run the handler. A slow or idle client holds a file descriptor and a buffer, never a thread. Every phase of
// a request has a deadline, every buffer a limit, and the number of connections (in all and per address) a
// cap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/http_wire.h"
#include "util/error.h"

namespace zhisuan::http {

struct LoopOptions {
  std::string host = "127.0.0.1";
  int port = 0;      // 0 picks a free port; Loop::port() tells which
  int workers = 32;  // threads that run handlers (a submission waits for its group commit on one)
  size_t max_connections = 4096;              // in all; more are answered 503 and closed
  size_t max_connections_per_address = 1024;  // from one peer address; more are answered 503 and closed
  double header_timeout_s = 10;  // from a request's first byte to the end of its headers (408 after)
  double body_timeout_s = 60;    // from the end of the headers to the last byte of the body (408 after)
  double idle_timeout_s = 60;    // a keep-alive connection with no request in progress is closed after this
  double write_timeout_s = 60;   // a response the client does not read within this is dropped with its socket
  double requests_per_s_per_address =
      0;  // token bucket per peer address (burst: twice the rate); 0: no limit
  Limits limits;
};

// Runs on a worker thread; may block. Exceptions are answered 500 by the loop.
using Handler = std::function<Response(Request&)>;
// Builds the answer to a request the loop refuses itself (status 400-505, a message saying why); runs on the
// loop thread and must not block. `request` is null when the head could not be parsed.
using Refusal = std::function<Response(const Request* request, int status, const std::string& message)>;

struct LoopStats {
  uint64_t open_connections = 0;
  uint64_t accepted = 0;
  uint64_t refused_connections = 0;  // over a connection cap
  uint64_t timeouts = 0;             // connections closed for a deadline
  uint64_t rejected_requests = 0;    // answered by the loop itself (4xx for limits, 429 for the rate)
};

class Loop {
 public:
  // Binds and listens (backlog 4096). Fails with kIo when the address cannot be bound.
  static Result<std::unique_ptr<Loop>> Bind(const LoopOptions& options, Handler handler, Refusal refusal);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  int port() const;
  // Serves on the calling thread until Stop(); returns after the workers have finished what they had.
  void Run();
  // Any thread, any time (also before Run, which then returns at once).
  void Stop();
  LoopStats stats() const;

 private:
  struct Impl;
  explicit Loop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhisuan::http
