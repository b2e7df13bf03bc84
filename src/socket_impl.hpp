// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The socket behind ro::DatagramSocket, as an explicit state machine:
//
//   kIdle --(first SendTo, bind or join)--> kOpen --(bind)--> kBound
//   kBound --(a port is set)--> kReceiving --(fatal receive error)--> kStopped
//   any --(Close)--> kClosed
//
// Each operation returns a Status to the public facade, which records it
// for GetFailureReason(); what runs on the reactor (drains, re-joins) only
// counts.

#ifndef RO_SRC_SOCKET_IMPL_HPP_
#define RO_SRC_SOCKET_IMPL_HPP_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>

#include <ro/datagram_socket.hpp>

#include "address.hpp"
#include "link_watcher.hpp"
#include "multicast_membership.hpp"
#include "mutex.hpp"
#include "object_core.hpp"
#include "read_ahead.hpp"
#include "readiness_watch.hpp"
#include "receive_batch.hpp"
#include "socket_options.hpp"
#include "status.hpp"

namespace ro::detail {

class PortState;

/// Where a datagram leaves from, when not from wherever the routing table
/// chooses: an interface, and optionally a local address on it.
struct SendSource {
  unsigned interface_index = 0;
  Endpoint address;  ///< family AF_UNSPEC: the kernel chooses
};

/// The arguments of one SendTo, turned into the text that begins a failure
/// reason only when there is a failure.
struct SendCall {
  std::string_view host;
  int port = 0;
  std::size_t size = 0;
  std::string Text() const;
};

class SocketImpl final : public std::enable_shared_from_this<SocketImpl>, public ReadAheadSource {
 public:
  enum class State { kIdle, kOpen, kBound, kReceiving, kStopped, kClosed };

  explicit SocketImpl(asio::io_context& io) : io_(io) {}
  ~SocketImpl();
  SocketImpl(const SocketImpl&) = delete;
  SocketImpl& operator=(const SocketImpl&) = delete;

  ObjectCore& Core() noexcept { return core_; }
  const ObjectCore& Core() const noexcept { return core_; }
  int LocalPort() const noexcept { return local_port_.load(std::memory_order_relaxed); }

  void SetPort(const MessagePort& port) RO_EXCLUDES(mutex_);
  Status Bind(const std::string& call, const std::optional<Endpoint>& local, int port)
      RO_EXCLUDES(mutex_);
  Status SendTo(std::string_view host, int port, std::string_view packet,
                const SendSource* source = nullptr) RO_EXCLUDES(mutex_, fd_mutex_);
  Status Join(const std::string& call, std::string_view group,
              const std::optional<std::string_view>& interface) RO_EXCLUDES(mutex_);
  Status Leave(const std::string& call, std::string_view group) RO_EXCLUDES(mutex_);
  Status SetAutoRejoin(bool enable) RO_EXCLUDES(mutex_);

  /// Changes options now if the kernel socket exists, and in any case for
  /// the socket created later. `before_bind`: refused once bound.
  template <class Change>
  Status SetOption(const std::string& call, bool before_bind, const Change& change)
      RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    SocketOptions next = options_;
    change(next);
    return ApplyLocked(call, before_bind, next);
  }

  int ReceiveBufferSize() RO_EXCLUDES(mutex_);
  SocketStatistics Statistics() const RO_EXCLUDES(fd_mutex_);
  void Close() RO_EXCLUDES(mutex_);

  bool ReadAhead(const PortState& port) override RO_EXCLUDES(mutex_);
  std::weak_ptr<ReadAheadSource> WeakSource() override { return weak_from_this(); }

 private:
  Status ApplyLocked(const std::string& call, bool before_bind, const SocketOptions& next)
      RO_REQUIRES(mutex_);
  Status OpenLocked(int family) RO_REQUIRES(mutex_);
  int BindLocked(const Endpoint& local) RO_REQUIRES(mutex_);
  Status EnsureBoundForSendLocked(int family, const SendCall& call) RO_REQUIRES(mutex_);
  void StartReceivingLocked() RO_REQUIRES(mutex_);
  // True if the socket runs on an application's io_context (<ro/asio.hpp>).
  bool OnApplicationLoop() const noexcept;
  void OnReadable(const asio::error_code& ec) RO_EXCLUDES(mutex_);
  // One drain of up to `budget` datagrams into `port`, for the loop and for
  // a read ahead alike: it keeps one_at_a_time_ and stops a broken socket.
  Drained DrainLocked(PortState* port, unsigned budget) RO_REQUIRES(mutex_);
  void OnLinksChanged(const std::vector<LinkChange>& changes) RO_EXCLUDES(mutex_);
  Status SendLocked(const Endpoint& destination, std::string_view packet, const SendSource* source,
                    const SendCall& call) RO_REQUIRES_SHARED(fd_mutex_);
  std::uint64_t KernelDrops() const RO_EXCLUDES(fd_mutex_);
  int FdLocked() const RO_REQUIRES(mutex_) RO_EXCLUDES(fd_mutex_);

  asio::io_context& io_;
  ObjectCore core_;

  // Serialises state changes and the drain; held by the reactor while it
  // posts a batch, which is what lets Close() promise no later deliveries.
  mutable Mutex mutex_;
  // Changed with mutex_ held (and fd_mutex_ too where sends care: kBound,
  // kClosed); read anywhere, so senders need not take mutex_.
  std::atomic<State> state_{State::kIdle};
  std::weak_ptr<PortState> port_ RO_GUARDED_BY(mutex_);
  bool has_port_ RO_GUARDED_BY(mutex_) = false;  // SetPort was given a port
  SocketOptions options_ RO_GUARDED_BY(mutex_);
  MulticastMembership membership_ RO_GUARDED_BY(mutex_);
  std::shared_ptr<LinkWatcher::Subscription> rejoin_ RO_GUARDED_BY(mutex_);
  // The loop's registration of fd_ for readiness (never closes it: released
  // on Close). Made once and kept until the socket is destroyed: its wait
  // operation lives inside it and holds the socket while pending.
  std::optional<ReadinessWatch> readiness_ RO_GUARDED_BY(mutex_);
  // The last read found one datagram (a request/response peer, not a
  // burst): a read ahead then asks the kernel for one only.
  bool one_at_a_time_ RO_GUARDED_BY(mutex_) = false;

  // The kernel socket. Written with mutex_ and fd_mutex_ held; read by
  // senders under a shared lock, so concurrent SendTo calls do not
  // serialise and Close() waits for those in flight.
  mutable SharedMutex fd_mutex_;
  int fd_ RO_GUARDED_BY(fd_mutex_) = -1;
  int family_ RO_GUARDED_BY(fd_mutex_) = AF_UNSPEC;

  std::atomic<int> local_port_{0};
  ReceiveCounters counters_;
  std::atomic<std::uint64_t> dropped_by_kernel_{0};  // last count, once closed
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> send_errors_{0};
  std::atomic<std::uint64_t> rejoin_errors_{0};
};

}  // namespace ro::detail

#endif  // RO_SRC_SOCKET_IMPL_HPP_
