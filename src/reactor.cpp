// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "reactor.hpp"

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <new>
#include <thread>

#include <asio/post.hpp>
#include <fmt/core.h>

#include "link_watcher.hpp"

namespace ro::detail {
namespace {

// How deep the calling thread is inside the loop (a handler may wait on a
// port, which runs the loop again).
thread_local int t_depth = 0;

// How long fork() waits for the threads inside the loop to leave it. A
// handler that blocks longer (an application's watchdog handler) makes the
// fork go ahead without it; the child is then only as safe as POSIX makes
// any multithreaded fork.
constexpr auto kForkPatience = std::chrono::seconds(2);

}  // namespace

Reactor& Reactor::Instance() {
  // Deliberately never destroyed: sockets held in static objects may be
  // destroyed after any function-local static, and they still need the
  // io_context then. The thread idles in epoll_wait at exit.
  static Reactor* const reactor = [] {
    auto* r = new Reactor();
    pthread_atfork(&Reactor::AtForkPrepare, &Reactor::AtForkParent, &Reactor::AtForkChild);
    return r;
  }();
  return *reactor;
}

Reactor::Reactor() : work_(asio::make_work_guard(io_)) {}

void Reactor::EnsureRunning() {
  if (started_.load(std::memory_order_acquire)) return;
  MutexLock lock(mutex_);
  if (!started_.load(std::memory_order_relaxed)) StartThreadLocked();
}

void Reactor::StartThreadLocked() {
  std::thread([this] { ThreadMain(); }).detach();
  started_.store(true, std::memory_order_release);
}

void Reactor::ThreadMain() {
  for (;;) {
    Runner runner(*this);
    // Handlers are library code that does not throw; if one ever does, say
    // so and keep delivering rather than silently stopping.
    try {
      io_.run_one();
    } catch (const std::exception& e) {
      fmt::print(stderr, "rodatagram: reactor handler threw: {}\n", e.what());
    }
  }
}

Reactor::Runner::Runner(Reactor& reactor) : reactor_(reactor) { reactor_.Enter(); }
Reactor::Runner::~Runner() { reactor_.Leave(); }

void Reactor::Enter() {
  if (t_depth++ > 0) return;
  for (;;) {
    // Dekker-style with AtForkPrepare: either this thread sees the pending
    // fork, or the preparer sees this thread inside.
    runners_.fetch_add(1);
    if (!fork_pending_.load()) return;
    runners_.fetch_sub(1);
    WaitLock lock(mutex_);
    gate_.notify_all();
    gate_.wait(lock.Native(), [this] { return !fork_pending_.load(); });
  }
}

void Reactor::Leave() {
  if (--t_depth > 0) return;
  runners_.fetch_sub(1);
  if (fork_pending_.load()) {
    MutexLock lock(mutex_);
    gate_.notify_all();
  }
}

// fork(), before: every thread inside the loop is brought out of it, to wait
// at the gate holding no lock (no socket mid-drain, no port mid-post, Asio's
// own mutexes free), and the link-watcher registry is locked so the child
// copies it whole.
void Reactor::AtForkPrepare() {
  Reactor& r = Instance();
  r.fork_pending_.store(true);
  const int self = t_depth > 0 ? 1 : 0;  // a fork from inside a handler
  const auto deadline = std::chrono::steady_clock::now() + kForkPatience;
  {
    WaitLock lock(r.mutex_);
    while (r.runners_.load() > self) {
      if (std::chrono::steady_clock::now() >= deadline) {
        fmt::print(stderr,
                   "rodatagram: fork(): a handler did not return within 2 s; forking anyway\n");
        break;
      }
      // Each no-op wakes one thread out of epoll_wait or Asio's queue.
      asio::post(r.io_, [] {});
      r.gate_.wait_for(lock.Native(), std::chrono::milliseconds(5));
    }
  }
  LinkWatcher::AtForkPrepare();
}

void Reactor::AtForkParent() {
  LinkWatcher::AtForkParent();
  Reactor& r = Instance();
  MutexLock lock(r.mutex_);
  r.fork_pending_.store(false);
  r.gate_.notify_all();
}

// fork(), in the child: only this thread exists. The loop gets its own epoll
// set (Asio's notify_fork re-registers every descriptor in it), so nothing
// the child registers or removes touches the parent's; the link watchers
// get their own netlink sockets; and a new library thread starts if the
// parent had one.
void Reactor::AtForkChild() {
  Reactor& r = Instance();
  // The parent's threads that waited at the gate do not exist here; a
  // condition variable that counts them could block its next user.
  // Not destroyed first: destroying it would wait for those threads.
  new (&r.gate_) std::condition_variable();
  r.runners_.store(t_depth > 0 ? 1 : 0);
  r.io_.notify_fork(asio::execution_context::fork_child);
  LinkWatcher::AtForkChild();
  MutexLock lock(r.mutex_);
  r.fork_pending_.store(false);
  if (r.started_.load()) r.StartThreadLocked();
}

}  // namespace ro::detail
