// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Watches rtnetlink for interfaces becoming usable or unusable. Serves both
// ro::NetworkHotplug (events to a port) and DatagramSocket::SetAutoRejoin
// (a callback).

#ifndef RO_SRC_HOTPLUG_MONITOR_HPP_
#define RO_SRC_HOTPLUG_MONITOR_HPP_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <ro/event.hpp>
#include <ro/message_port.hpp>

namespace ro::detail {

class PortState;

/// One interface that changed state.
struct LinkChange {
  int index = 0;
  std::string name;
  bool attached = false;
  bool multicast = false;  ///< IFF_MULTICAST
};

class HotplugMonitor : public std::enable_shared_from_this<HotplugMonitor> {
 public:
  using Listener = std::function<void(const std::vector<LinkChange>&)>;

  explicit HotplugMonitor(asio::io_context& io);
  ~HotplugMonitor();
  HotplugMonitor(const HotplugMonitor&) = delete;
  HotplugMonitor& operator=(const HotplugMonitor&) = delete;

  /// Opens rtnetlink in the calling thread's network namespace, takes the
  /// current interface state (no events for it) and starts watching.
  /// Returns false (see FailureReason()) if rtnetlink cannot be used.
  bool Start();

  /// No deliveries (port or listener) once this returns.
  void Stop();

  void SetPort(const MessagePort& port);
  void SetListener(Listener listener);
  void SetUserData(UserData data);
  UserData GetUserData() const;
  int Identity() const noexcept { return identity_; }
  std::string FailureReason() const;

 private:
  struct Link {
    std::string name;
    unsigned flags = 0;
    int addresses = 0;
    bool Attached() const noexcept;
  };

  void OnReadable();
  bool DrainDoorbell();
  bool Snapshot(std::map<int, Link>& links, std::string& why);
  bool Dump(std::uint16_t request, std::map<int, Link>& links, std::string& why);
  void Deliver(const std::vector<LinkChange>& changes);

  asio::io_context& io_;
  const int identity_;

  mutable std::mutex mutex_;
  bool stopped_ = false;
  std::optional<asio::posix::stream_descriptor> doorbell_;  // subscribed to changes
  int dump_fd_ = -1;                                        // asks for the full state
  std::uint32_t sequence_ = 0;
  std::map<int, Link> links_;
  std::weak_ptr<PortState> port_;
  Listener listener_;
  std::string reason_;

  mutable std::mutex user_data_mutex_;
  std::shared_ptr<const UserData> user_data_;
};

}  // namespace ro::detail

#endif  // RO_SRC_HOTPLUG_MONITOR_HPP_
