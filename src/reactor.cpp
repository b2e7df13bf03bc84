// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "reactor.hpp"

#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <fmt/core.h>

namespace ro::detail {

Reactor& Reactor::Instance() {
  // Deliberately never destroyed: sockets held in static objects may be
  // destroyed after any function-local static, and they still need the
  // io_context then. The thread idles in epoll_wait at exit.
  static Reactor* const reactor = new Reactor();
  return *reactor;
}

void Reactor::EnsureRunning() {
  static std::once_flag started;
  std::call_once(started, [this] {
    std::thread([this] {
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

int NextIdentity() noexcept {
  static std::atomic<int> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace ro::detail
