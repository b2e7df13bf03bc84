// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// One rtnetlink watcher per network namespace (and event loop), shared by
// every NetworkHotplug and every auto-rejoin socket: one subscription to the
// kernel's link and address groups, one state table, and dumps that never
// block the thread that also drains the UDP sockets.

#ifndef RO_SRC_LINK_WATCHER_HPP_
#define RO_SRC_LINK_WATCHER_HPP_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "mutex.hpp"
#include "status.hpp"

namespace ro::detail {

/// One interface that became usable (attached) or stopped being usable.
struct LinkChange {
  int index = 0;
  std::string name;
  bool attached = false;
  bool multicast = false;  ///< IFF_MULTICAST
};

/// What the watcher knows of one interface.
struct LinkState {
  std::string name;
  unsigned flags = 0;
  int addresses = 0;  ///< usable ones (not tentative, not failed DAD)
  /// Up, running and with an address: what roNetworkAttached means.
  [[nodiscard]] bool Attached() const noexcept;
};

class LinkWatcher : public std::enable_shared_from_this<LinkWatcher> {
 public:
  using Listener = std::function<void(const std::vector<LinkChange>&)>;

  /// A listener's registration; dropping the last reference unsubscribes.
  /// Once Cancel() (or the destructor) returns, the listener is not running
  /// and never runs again, unless Cancel() is called by the listener itself.
  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    void Cancel();

   private:
    friend class LinkWatcher;
    Subscription(std::shared_ptr<LinkWatcher> watcher, Listener listener)
        : watcher_(std::move(watcher)), listener_(std::move(listener)) {}
    std::shared_ptr<LinkWatcher> TakeWatcher() RO_REQUIRES(call_mutex_);
    void Call(const std::vector<LinkChange>& changes) RO_EXCLUDES(call_mutex_);

    std::shared_ptr<LinkWatcher> watcher_ RO_GUARDED_BY(call_mutex_);  // null once cancelled
    Mutex call_mutex_;
    Listener listener_;  // immutable
    bool active_ RO_GUARDED_BY(call_mutex_) = true;
    std::atomic<std::thread::id> calling_{};  // the thread inside listener_, if any
  };

  /// Registers `listener` with the watcher of the calling thread's network
  /// namespace on `io`, which is created on first use: rtnetlink is opened
  /// and the current state read in the calling thread (no change is
  /// reported for it), then watched on `io`. The listener is called on
  /// `io`'s thread with each batch of changes after this returns.
  static Status Subscribe(asio::io_context& io, Listener listener,
                          std::shared_ptr<Subscription>& out);

  /// fork(): the registry is locked before and unlocked after, in both
  /// processes; in the child every watcher then replaces the netlink
  /// sockets it shares with the parent by its own (on its loop), so that
  /// neither process reads the other's notifications or dump replies.
  static void AtForkPrepare();
  static void AtForkParent();
  static void AtForkChild();

  ~LinkWatcher();
  LinkWatcher(const LinkWatcher&) = delete;
  LinkWatcher& operator=(const LinkWatcher&) = delete;

 private:
  using Key = std::pair<std::uint64_t, const asio::io_context*>;  // (netns, loop)
  enum class Phase { kIdle, kLinks, kAddresses };

  LinkWatcher(asio::io_context& io, Key key);
  Status Open();
  void Unsubscribe(const Subscription* subscription) RO_EXCLUDES(mutex_);
  // Registry lock held, then mutex_ (the one lock order).
  void AddLocked(const std::shared_ptr<Subscription>& subscription) RO_EXCLUDES(mutex_);
  void Shutdown();
  void ReopenAfterFork();

  // Reactor thread only, from here on: the dump runs as a state machine.
  void WaitDoorbell();
  void OnDoorbell();
  void StartDump(Phase phase);
  void WaitDump();
  void OnDumpReadable();
  void FinishDump();
  void Deliver(const std::vector<LinkChange>& changes) RO_EXCLUDES(mutex_);

  asio::io_context& io_;
  const Key key_;

  Mutex mutex_;
  std::vector<std::weak_ptr<Subscription>> subscribers_ RO_GUARDED_BY(mutex_);

  // Owned by the reactor thread once Open() has returned.
  std::optional<asio::posix::stream_descriptor> doorbell_;  // subscribed to changes
  std::optional<asio::posix::stream_descriptor> dump_;      // asks for the full state
  std::optional<asio::steady_timer> dump_deadline_;
  std::vector<char> buffer_;
  std::uint32_t sequence_ = 0;
  Phase phase_ = Phase::kIdle;
  bool dirty_ = false;              // the doorbell rang during a dump: dump again after it
  bool stopped_ = false;            // Shutdown() ran
  std::map<int, LinkState> links_;  // as last reported to subscribers
  std::map<int, LinkState> next_;   // the dump in progress
};

}  // namespace ro::detail

#endif  // RO_SRC_LINK_WATCHER_HPP_
