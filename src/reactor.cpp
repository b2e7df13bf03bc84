// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "reactor.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include <asio/post.hpp>
#include <fmt/core.h>

#include "link_watcher.hpp"
#include "port_state.hpp"

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

thread_local bool t_reactor_thread = false;

// Registered with atexit when the thread first starts: waits, at most
// 200 ms, until the loop has run everything posted before exit() (typically
// the close of sockets destroyed at the end of main), so that static
// destructors run while the loop is idle rather than while it still works.
// Without this a program that returned from main right after using a socket
// crashed now and then at exit (about 1 run in 100 under qemu-user).
// Bounded, and skipped on the library's thread itself, so exit() never hangs.
void QuiesceAtExit() {
  if (t_reactor_thread || Reactor::InLoop()) return;
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
  if (started_.load(std::memory_order_relaxed)) return;
  // Once per process image: a forked child inherits the registration.
  static const bool quiesce_registered = std::atexit(QuiesceAtExit) == 0;
  (void)quiesce_registered;
  StartThreadLocked();
}

void Reactor::StartThreadLocked() {
  std::thread thread([this] { ThreadMain(); });
  // Named for ps, top and perf (and the tests that count its wake-ups), by
  // the creator so that the name is there as soon as the thread is.
  pthread_setname_np(thread.native_handle(), "ro-reactor");
  thread.detach();
  started_.store(true, std::memory_order_release);
}

void Reactor::ThreadMain() {
  t_reactor_thread = true;
  for (;;) {
    {
      WaitLock lock(mutex_);
      ParkLocked(lock.Native());
      driver_ = Driver::kLibrary;
    }
    while (!yield_.load(std::memory_order_acquire)) {
      Runner runner(*this);
#if defined(__cpp_exceptions)
      // Handlers are library code that does not throw; if one ever does,
      // say so and keep delivering rather than silently stopping.
      try {
        io_.run_one();
      } catch (const std::exception& e) {
        fmt::print(stderr, "rodatagram: reactor handler threw: {}\n", e.what());
      }
#else
      // -fno-exceptions (RODATAGRAM_NO_EXCEPTIONS): nothing can throw; Asio
      // reports its errors through asio_no_exceptions.cpp, which aborts.
      io_.run_one();
#endif
    }
    // A thread waits on a port: it gets the loop (OfferLoopLocked).
    MutexLock lock(mutex_);
    yield_.store(false);
    driver_ = Driver::kNone;
    last_drive_end_ = Clock::now();
    OfferLoopLocked();
  }
}

void Reactor::ParkLocked(std::unique_lock<std::mutex>& lock) {
  using std::chrono::duration_cast;
  std::uint64_t seen = epoch_ - 1;
  // Each look is a timed wake-up (15-30 us of CPU in a VM: 1-3% of a
  // drain's CPU at one per ms). While the application keeps driving, each
  // look that finds it has driven again doubles the time to the next one.
  const auto first_look = duration_cast<Clock::duration>(kTakeOver);
  auto look = first_look;
  for (;;) {
    if (hand_over_) {
      hand_over_ = false;
      if (driver_ == Driver::kNone) return;
    }
    const bool drove = epoch_ != seen;  // since the last look
    seen = epoch_;
    if (driver_ == Driver::kNone) {
      // Nobody drives: the application is busy (or a sleeper is taking the
      // loop). Take over once it has been away for kTakeOver; an
      // application that keeps driving is looked at less often.
      const auto away = Clock::now() - last_drive_end_;
      if (away >= kTakeOver) return;
      park_.wait_for(lock, drove ? std::max(look, kTakeOver - away) : kTakeOver - away);
    } else if (drove) {
      park_.wait_for(lock, look);
    } else {
      // The same wait is still driving: the application is idle in it.
      // Sleep without a timeout (zero wake-ups) until that wait ends; the
      // application may be busy next, so look soon again after it.
      deep_ = true;
      park_.wait(lock);
      deep_ = false;
      look = first_look;
      continue;
    }
    if (drove) look = std::min(2 * look, duration_cast<Clock::duration>(kLookMax));
  }
}

bool Reactor::TryDrive(PortState* port, const Taken& taken) {
  MutexLock lock(mutex_);
  // How long the application worked since a wait last blocked (drove or
  // slept) and returned: a busy one works through batches, an echo
  // answers one datagram. Time spent blocked does not count.
  const auto worked = Clock::now() - last_return_;
  if (taken.messages >= kBusyRun) {
    // A batch of large datagrams read on this thread is only summed in
    // ~250 ns each; read by the library thread, each would cost the
    // application more than that in cache misses alone.
    busy_ = worked >= taken.messages * kBusyPerMessage +
                          std::chrono::nanoseconds(taken.bytes / kBusyBytesPerNanosecond);
  } else {
    busy_ = worked >= kBusy;
  }
  // A busy application has just handed the loop to the library thread
  // (hand_over_), which is on its way: it sleeps until that thread reads,
  // rather than take the loop back and read in series with its work.
  if (driver_ == Driver::kNone && !(hand_over_ && busy_)) {
    hand_over_ = false;
    driver_ = Driver::kWaiter;
    ++epoch_;
    return true;
  }
  sleepers_.push_back(port);
  // A busy application leaves the loop to the library thread, which reads
  // while it works; any other takes the loop back.
  if (driver_ == Driver::kLibrary && !busy_ && !yield_.exchange(true)) {
    // Wakes the library thread out of epoll_wait; it yields after the
    // handler it is running and offers the loop to a sleeper.
    asio::post(io_, [] {});
  }
  return false;
}

void Reactor::DoneDriving(bool backlog) {
  MutexLock lock(mutex_);
  driver_ = Driver::kNone;
  last_drive_end_ = Clock::now();
  last_return_ = last_drive_end_;
  OfferLoopLocked();
  if (backlog && busy_ && sleepers_.empty()) {
    hand_over_ = true;
    park_.notify_one();
  } else if (deep_) {
    park_.notify_one();
  }
}

void Reactor::DoneSleeping(PortState* port, bool pass_offer) {
  MutexLock lock(mutex_);
  const auto it = std::find(sleepers_.begin(), sleepers_.end(), port);
  if (it != sleepers_.end()) sleepers_.erase(it);
  last_return_ = Clock::now();
  if (pass_offer && driver_ == Driver::kNone) OfferLoopLocked();
}

void Reactor::OfferLoopLocked() {
  // The sleeper unregisters under mutex_ before its wait returns, so the
  // port is alive here.
  if (!sleepers_.empty()) sleepers_.front()->OfferLoop();
}

bool Reactor::InLoop() noexcept { return t_depth > 0; }

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
// own mutexes free), and the link-watcher registry and the loop lock are
// taken (in the order Subscribe() takes them) and held across the fork, so
// the child copies both whole. The loop lock must be held, not just free a
// moment ago: a thread on its way to the gate takes it, and one that held it
// at the instant of the fork left it locked in the child for good.
void Reactor::AtForkPrepare() RO_NO_THREAD_SAFETY_ANALYSIS {
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
  r.mutex_.lock();
}

void Reactor::AtForkParent() RO_NO_THREAD_SAFETY_ANALYSIS {
  Reactor& r = Instance();
  r.fork_pending_.store(false);
  r.gate_.notify_all();
  r.mutex_.unlock();
  LinkWatcher::AtForkParent();
}

// fork(), in the child: only this thread exists. The loop gets its own epoll
// set (Asio's notify_fork re-registers every descriptor in it), so nothing
// the child registers or removes touches the parent's; the link watchers
// get their own netlink sockets; and a new library thread starts if the
// parent had one.
void Reactor::AtForkChild() RO_NO_THREAD_SAFETY_ANALYSIS {
  Reactor& r = Instance();
  // The parent's threads that waited at the gate do not exist here; a
  // condition variable that counts them could block its next user.
  // Not destroyed first: destroying it would wait for those threads.
  new (&r.gate_) std::condition_variable();
  r.runners_.store(t_depth > 0 ? 1 : 0);
  new (&r.park_) std::condition_variable();
  r.yield_.store(false);
  r.io_.notify_fork(asio::execution_context::fork_child);
  LinkWatcher::AtForkChild();
  r.fork_pending_.store(false);
  // Whoever drove the loop in the parent is not here: the new library
  // thread takes it at once.
  r.driver_ = Driver::kNone;
  r.deep_ = false;
  r.busy_ = false;
  r.last_return_ = {};
  r.hand_over_ = false;
  r.sleepers_.clear();
  r.last_drive_end_ = {};
  if (r.started_.load()) r.StartThreadLocked();
  r.mutex_.unlock();
}

}  // namespace ro::detail
