#include "cli/serve.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace zhisuan::cli {

int Serve(const Registry& registry, int schema_version, const ServerOptions& options) {
  // Block the termination signals before any server thread exists, so only the waiter below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = HttpServer::Create(registry, schema_version, options);
  if (!server) {
    fmt::print(stderr, "zhisuan: error: {}\n", server.error().message);
    return ExitCode(server.error().code);
  }
  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (!stopping.exchange(true)) {
      fmt::print(stderr, "zhisuan: {} received, shutting down\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    (*server)->Stop();
  });
  fmt::print("zhisuan serving {} centers on http://{}:{}/\n", registry.centers().size(), options.host,
             (*server)->port());
  std::fflush(stdout);
  (*server)->Run();
  if (!stopping.exchange(true)) pthread_kill(waiter.native_handle(), SIGTERM);  // wake the waiter
  waiter.join();
  return 0;
}

}  // namespace zhisuan::cli
