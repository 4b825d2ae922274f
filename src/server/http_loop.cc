#include "server/http_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_gzip.h"
#include "server/http_stream.h"
#include "server/rate_limit.h"

namespace zhisuan::http {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The fixed answer to a connection over a cap: written once, without reading the request.
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 85\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\n"
    "{\"error\":{\"code\":\"unavailable\",\"message\":\"connections: the server's limit is reached\"}}\n";

std::string PeerAddress(const sockaddr_storage& peer) {
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
  } else if (peer.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_addr, text, sizeof text);
  }
  return text;
}

// kStream: the head of a streamed answer is written; the connection now carries what its Stream sends.
enum class Phase { kIdle, kHead, kBody, kBusy, kWrite, kStream };

struct Conn {
  int fd = -1;
  uint64_t id = 0;
  std::string address;
  Phase phase = Phase::kIdle;
  double deadline = 0;
  std::string in;
  Request request;
  size_t head_bytes = 0;
  bool continue_sent = false;
  std::string out;
  size_t out_offset = 0;
  bool close_after_write = false;
  std::shared_ptr<Stream> stream;  // a streamed answer: after its head is written, the connection is its
};

struct Done {
  int fd;
  uint64_t conn_id;
  std::string bytes;
  bool keep_alive;
  std::shared_ptr<Stream> stream;
};

// What a Stream calls to wake the loop: safe to call from any thread at any time, also after the loop has
// gone (the loop clears `impl` before it goes).
struct Waker {
  std::mutex mu;
  std::function<void(int fd, uint64_t conn_id)> wake;  // GUARDED_BY(mu); empty once the loop has stopped
};

}  // namespace

struct Loop::Impl {
  LoopOptions options;
  Handler handler;
  Refusal refusal;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;  // eventfd: a worker finished, or Stop() was called
  int port = 0;
  std::atomic<bool> stopping{false};
  std::string id_prefix;  // request ids: this prefix and a counter
  uint64_t next_request = 0;
  uint64_t next_conn = 0;

  // Loop thread only.
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, size_t> per_address;
  std::unique_ptr<RateLimiter> rate;  // requests per second per address (options)
  double listen_paused_until = 0;     // after EMFILE: let descriptors free up before accepting again

  // Stats, read by other threads.
  std::atomic<uint64_t> open{0}, accepted{0}, refused{0}, timeouts{0}, rejected{0};

  // Work for the pool and what it has finished.
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<std::pair<std::unique_ptr<Request>, std::pair<int, uint64_t>>> work;  // request, (fd, conn id)
  bool workers_stop = false;
  std::mutex done_mu;
  std::vector<Done> done;
  std::vector<std::pair<int, uint64_t>>
      ready;  // GUARDED_BY(done_mu): streamed connections with bytes to write
  std::shared_ptr<Waker> waker = std::make_shared<Waker>();

  ~Impl() {
    for (auto& [fd, c] : conns) ::close(fd);
    for (int fd : {listen_fd, epoll_fd, wake_fd}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void Watch(int fd, uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd, op, fd, &ev);
  }

  void Close(Conn& c) {
    if (c.stream) c.stream->Gone();
    const int fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    if (auto it = per_address.find(c.address); it != per_address.end() && --it->second == 0) {
      per_address.erase(it);
    }
    conns.erase(fd);  // destroys c
    open.fetch_sub(1);
  }

  void Accept() {
    while (true) {
      sockaddr_storage peer{};
      socklen_t size = sizeof peer;
      const int fd =
          ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          Watch(listen_fd, 0, EPOLL_CTL_MOD);
          listen_paused_until = Now() + 0.1;
        }
        return;  // EAGAIN: nothing more to accept
      }
      accepted.fetch_add(1);
      std::string address = PeerAddress(peer);
      size_t& from_address = per_address[address];
      if (conns.size() >= options.max_connections || from_address >= options.max_connections_per_address) {
        if (from_address == 0) per_address.erase(address);
        refused.fetch_add(1);
        [[maybe_unused]] const ssize_t n =
            ::send(fd, kTooManyConnections.data(), kTooManyConnections.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        continue;
      }
      ++from_address;
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      c->id = ++next_conn;
      c->address = std::move(address);
      c->deadline = Now() + options.idle_timeout_s;
      conns.emplace(fd, std::move(c));
      open.fetch_add(1);
      Watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  // Queues `bytes` for writing and tries to write them now.
  void Respond(Conn& c, std::string bytes, bool keep_alive) {
    c.out = std::move(bytes);
    c.out_offset = 0;
    c.close_after_write = !keep_alive;
    c.phase = Phase::kWrite;
    c.deadline = Now() + options.write_timeout_s;
    Write(c);
  }

  // Answers a request the loop refuses itself; the connection closes after the answer unless `keep_alive`.
  void Refuse(Conn& c, const Request* request, int status, const std::string& message, bool keep_alive) {
    rejected.fetch_add(1);
    Response response = refusal(request, status, message);
    const std::string id = request != nullptr ? request->id : NewRequestId();
    Respond(c, Serialize(response, id, keep_alive), keep_alive);
  }

  std::string NewRequestId() { return fmt::format("{}-{:x}", id_prefix, ++next_request); }

  void Write(Conn& c) {
    while (c.out_offset < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_offset += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Watch(c.fd, EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      return Close(c);
    }
    if (c.stream) {
      // A streamed answer: wait for the stream's next bytes (read only to see the client go).
      c.out.clear();
      c.out_offset = 0;
      c.phase = Phase::kStream;
      c.deadline = std::numeric_limits<double>::infinity();
      Watch(c.fd, EPOLLIN, EPOLL_CTL_MOD);
      return Pump(c);
    }
    if (c.close_after_write) {
      // Half-close and let the client read the answer before the socket goes (an unread request body would
      // otherwise turn the close into a reset that can destroy the answer in flight).
      ::shutdown(c.fd, SHUT_WR);
      return Close(c);
    }
    c.out.clear();
    c.out.shrink_to_fit();
    c.phase = Phase::kIdle;
    c.deadline = Now() + options.idle_timeout_s;
    Watch(c.fd, EPOLLIN, EPOLL_CTL_MOD);
    Advance(c);  // a pipelined request may be waiting in the buffer
  }

  // A streamed connection: writes what its stream has queued; closes it once the stream has ended and all is
  // written.
  void Pump(Conn& c) {
    if (c.phase != Phase::kStream) return;  // still writing the head: Write comes back here
    bool ended = false;
    std::string bytes = c.stream->Take(ended);
    if (bytes.empty()) {
      if (!ended) return;
      ::shutdown(c.fd, SHUT_WR);
      return Close(c);
    }
    c.out = std::move(bytes);
    c.out_offset = 0;
    c.phase = Phase::kWrite;
    c.close_after_write = false;
    c.deadline = Now() + options.write_timeout_s;  // a client that does not read is dropped
    Write(c);
  }

  // Parses what has arrived; hands a complete request to the workers.
  void Advance(Conn& c) {
    if (c.phase == Phase::kIdle) {
      if (c.in.empty()) return;
      c.phase = Phase::kHead;
      c.deadline = Now() + options.header_timeout_s;
      c.request = Request{};
      c.continue_sent = false;
    }
    if (c.phase == Phase::kHead) {
      const HeadResult head = ParseHead(c.in, options.limits, c.request);
      if (head.kind == HeadResult::Kind::kIncomplete) return;
      if (head.kind == HeadResult::Kind::kError) {
        c.in.clear();
        return Refuse(c, nullptr, head.status, head.message, false);
      }
      c.head_bytes = head.head_bytes;
      c.request.id = NewRequestId();
      c.request.remote_address = c.address;
      c.phase = Phase::kBody;
      c.deadline = Now() + options.body_timeout_s;
    }
    if (c.phase != Phase::kBody) return;
    const size_t need = c.head_bytes + c.request.content_length;
    if (c.in.size() < need) {
      if (c.request.expect_continue && !c.continue_sent) {
        c.continue_sent = true;
        constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] const ssize_t n =
            ::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      return;
    }
    c.request.body = c.in.substr(c.head_bytes, c.request.content_length);
    c.in.erase(0, need);
    if (!rate->Allow(c.address, Now())) {
      Response response = refusal(&c.request, 429, "requests: this address's rate limit is reached");
      response.SetHeader("Retry-After", "1");
      rejected.fetch_add(1);
      return Respond(c, Serialize(response, c.request.id, c.request.keep_alive), c.request.keep_alive);
    }
    c.phase = Phase::kBusy;
    Watch(c.fd, 0, EPOLL_CTL_MOD);  // read nothing more until this request is answered (a reset still shows)
    {
      std::lock_guard lock(work_mu);
      work.emplace_back(std::make_unique<Request>(std::move(c.request)), std::make_pair(c.fd, c.id));
    }
    work_cv.notify_one();
  }

  void Read(Conn& c) {
    // Never buffer more than the current request may need: the head's limits, or the head and its body.
    char chunk[64 << 10];
    const int fd = c.fd;
    const uint64_t id = c.id;
    while (true) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        if (c.phase == Phase::kStream) continue;  // a streamed answer's client has nothing to say: dropped
        c.in.append(chunk, static_cast<size_t>(n));
        Advance(c);
        // An answer written at once (a refusal) may have closed the connection.
        if (auto it = conns.find(fd); it == conns.end() || it->second->id != id) return;
        if (c.phase == Phase::kBusy || c.phase == Phase::kWrite) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return Close(c);  // end of stream or error
    }
  }

  void Finished() {
    uint64_t counter = 0;
    [[maybe_unused]] const ssize_t n = ::read(wake_fd, &counter, sizeof counter);
    std::vector<Done> batch;
    std::vector<std::pair<int, uint64_t>> streams;
    {
      std::lock_guard lock(done_mu);
      batch.swap(done);
      streams.swap(ready);
    }
    for (Done& d : batch) {
      auto it = conns.find(d.fd);
      if (it == conns.end() || it->second->id != d.conn_id) {  // the client went away
        if (d.stream) d.stream->Gone();
        continue;
      }
      Conn& c = *it->second;
      if (d.stream) {
        c.stream = d.stream;
        std::weak_ptr<Waker> weak = waker;
        c.stream->Attach([weak, fd = d.fd, id = d.conn_id] {
          if (std::shared_ptr<Waker> w = weak.lock()) {
            std::lock_guard lock(w->mu);
            if (w->wake) w->wake(fd, id);
          }
        });
      }
      Respond(c, std::move(d.bytes), d.keep_alive);
    }
    for (const auto& [fd, id] : streams) {
      auto it = conns.find(fd);
      if (it == conns.end() || it->second->id != id) continue;
      Pump(*it->second);
    }
  }

  void Sweep() {
    const double now = Now();
    if (listen_paused_until > 0 && now >= listen_paused_until) {
      listen_paused_until = 0;
      Watch(listen_fd, EPOLLIN, EPOLL_CTL_MOD);
    }
    std::vector<Conn*> expired;
    for (auto& [fd, c] : conns) {
      if (c->phase != Phase::kBusy && now >= c->deadline) expired.push_back(c.get());
    }
    for (Conn* c : expired) {
      timeouts.fetch_add(1);
      if (c->phase == Phase::kHead || c->phase == Phase::kBody) {
        const std::string message =
            c->phase == Phase::kHead
                ? fmt::format("request: the headers did not arrive within {} s", options.header_timeout_s)
                : fmt::format("request: the body did not arrive within {} s", options.body_timeout_s);
        // Best effort: one non-blocking write of the answer, then the socket goes.
        Response response = refusal(c->phase == Phase::kBody ? &c->request : nullptr, 408, message);
        const std::string bytes = Serialize(response, c->request.id, false);
        [[maybe_unused]] const ssize_t n =
            ::send(c->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        rejected.fetch_add(1);
      }
      Close(*c);
    }
  }

  void Work() {
    while (true) {
      std::unique_ptr<Request> request;
      std::pair<int, uint64_t> where;
      {
        std::unique_lock lock(work_mu);
        work_cv.wait(lock, [&] { return workers_stop || !work.empty(); });
        if (work.empty()) return;
        request = std::move(work.front().first);
        where = work.front().second;
        work.pop_front();
      }
      Response response;
      try {
        response = handler(*request);
      } catch (const std::exception& e) {
        response = refusal(request.get(), 500, fmt::format("internal error: {}", e.what()));
      } catch (...) {
        response = refusal(request.get(), 500, "internal error");
      }
      if (!response.stream) GzipIfAccepted(*request, response);
      const bool keep_alive = request->keep_alive && !response.stream;
      Done d{where.first, where.second, Serialize(response, request->id, keep_alive), keep_alive,
             std::move(response.stream)};
      {
        std::lock_guard lock(done_mu);
        done.push_back(std::move(d));
      }
      const uint64_t one = 1;
      [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof one);
    }
  }
};

Loop::Loop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Loop::~Loop() { Stop(); }

Result<std::unique_ptr<Loop>> Loop::Bind(const LoopOptions& options, Handler handler, Refusal refusal) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->rate = std::make_unique<RateLimiter>(options.requests_per_s_per_address);
  impl->handler = std::move(handler);
  impl->refusal = std::move(refusal);
  // Connections cost descriptors: raise the soft limit to the hard one so the caps above are what binds.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options.port);
  if (::getaddrinfo(options.host.c_str(), port_text.c_str(), &hints, &found) != 0 || found == nullptr) {
    return Fail(ErrorCode::kIo, fmt::format("host: cannot resolve '{}'", options.host));
  }
  std::string problem;
  for (addrinfo* a = found; a != nullptr && impl->listen_fd < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 4096) == 0) {
      impl->listen_fd = fd;
    } else {
      problem = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (impl->listen_fd < 0) {
    return Fail(ErrorCode::kIo,
                fmt::format("cannot listen on {}:{} ({})", options.host, options.port, problem));
  }
  sockaddr_storage bound{};
  socklen_t size = sizeof bound;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &size);
  impl->port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                 : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0)
    return Fail(ErrorCode::kIo, "epoll: cannot create the event loop");
  impl->Watch(impl->listen_fd, EPOLLIN, EPOLL_CTL_ADD);
  impl->Watch(impl->wake_fd, EPOLLIN, EPOLL_CTL_ADD);
  uint64_t nonce = 0;
  [[maybe_unused]] const ssize_t got = ::getrandom(&nonce, sizeof nonce, 0);
  impl->id_prefix = fmt::format("{:08x}", static_cast<uint32_t>(nonce));
  {
    Impl* self = impl.get();
    std::lock_guard lock(impl->waker->mu);
    impl->waker->wake = [self](int fd, uint64_t conn_id) {
      {
        std::lock_guard done_lock(self->done_mu);
        self->ready.emplace_back(fd, conn_id);
      }
      const uint64_t one = 1;
      [[maybe_unused]] const ssize_t n = ::write(self->wake_fd, &one, sizeof one);
    };
  }
  return std::unique_ptr<Loop>(new Loop(std::move(impl)));
}

int Loop::port() const { return impl_->port; }

void Loop::Stop() {
  impl_->stopping.store(true);
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake_fd, &one, sizeof one);
}

LoopStats Loop::stats() const {
  return {impl_->open.load(), impl_->accepted.load(), impl_->refused.load(), impl_->timeouts.load(),
          impl_->rejected.load()};
}

void Loop::Run() {
  Impl& s = *impl_;
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, s.options.workers); ++i) workers.emplace_back([&s] { s.Work(); });
  std::vector<epoll_event> events(512);
  double next_sweep = Now() + 0.25;
  while (!s.stopping.load()) {
    const int n = ::epoll_wait(s.epoll_fd, events.data(), static_cast<int>(events.size()), 250);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const uint32_t what = events[i].events;
      if (fd == s.listen_fd) {
        s.Accept();
      } else if (fd == s.wake_fd) {
        s.Finished();
      } else if (auto it = s.conns.find(fd); it != s.conns.end()) {
        Conn& c = *it->second;
        if (what & (EPOLLERR | EPOLLHUP)) {
          s.Close(c);
        } else if (what & EPOLLOUT) {
          s.Write(c);
        } else if (what & EPOLLIN) {
          s.Read(c);
        }
      }
    }
    if (const double now = Now(); now >= next_sweep) {
      s.Sweep();
      next_sweep = now + 0.25;
    }
  }
  {
    std::lock_guard lock(s.work_mu);
    s.workers_stop = true;
  }
  s.work_cv.notify_all();
  for (std::thread& t : workers) t.join();
  {
    std::lock_guard lock(s.waker->mu);
    s.waker->wake = nullptr;  // streams outliving the loop wake nothing
  }
  for (auto& [fd, c] : s.conns) {
    if (c->stream) c->stream->Gone();
  }
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_DEL, s.listen_fd, nullptr);
  ::close(s.listen_fd);
  s.listen_fd = -1;
}

}  // namespace zhisuan::http
