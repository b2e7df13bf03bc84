// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "reactor.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <fmt/core.h>

namespace ro::detail {

Reactor& Reactor::Instance() {
  // Deliberately never destroyed: sockets held in static objects may be
  // destroyed after any function-local static, and they still need the
  // io_context then. The thread idles in epoll_wait at exit.
  static Reactor* const reactor = new Reactor();
  return *reactor;
}

namespace {

thread_local bool on_reactor_thread = false;

// Registered with atexit when the thread starts: waits, at most 200 ms, until
// the reactor has run everything posted before exit() (typically the close of
// sockets destroyed at the end of main), so that static destructors run while
// the thread sleeps in epoll_wait rather than while it still works. Without
// this a program that returned from main right after using a socket crashed
// now and then at exit (about 1 run in 100 under qemu-user). Bounded, and
// skipped on the reactor thread itself, so exit() never hangs.
void QuiesceAtExit() {
  if (on_reactor_thread) return;
  // Shared with the posted handler, which may run after a timed-out wait.
  struct Idle {
    std::mutex mutex;
    std::condition_variable reached;
    bool done = false;
  };
  auto idle = std::make_shared<Idle>();
  asio::post(Reactor::Instance().Context(), [idle] {
    const std::lock_guard<std::mutex> lock(idle->mutex);
    idle->done = true;
    idle->reached.notify_one();
  });
  std::unique_lock<std::mutex> lock(idle->mutex);
  idle->reached.wait_for(lock, std::chrono::milliseconds(200), [&] { return idle->done; });
}

}  // namespace

void Reactor::EnsureRunning() {
  static std::once_flag started;
  std::call_once(started, [this] {
    std::atexit(QuiesceAtExit);
    std::thread([this] {
      on_reactor_thread = true;
      auto work = asio::make_work_guard(io_);
#if defined(__cpp_exceptions)
      for (;;) {
        // Handlers are library code that does not throw; if one ever does,
        // say so and keep delivering rather than silently stopping.
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          fmt::print(stderr, "rodatagram: reactor handler threw: {}\n", e.what());
        }
      }
#else
      // -fno-exceptions (RODATAGRAM_NO_EXCEPTIONS): nothing can throw; Asio
      // reports its errors through asio_no_exceptions.cpp, which aborts.
      io_.run();
#endif
    }).detach();
  });
}

}  // namespace ro::detail
