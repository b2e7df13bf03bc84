// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// ro::NetworkHotplug: one subscription to the process's link watcher
// (link_watcher.cpp) that turns each change into a roNetworkAttached /
// roNetworkDetached event on the application's port.

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ro/asio.hpp>
#include <ro/network_hotplug.hpp>

#include "link_watcher.hpp"
#include "mutex.hpp"
#include "object_core.hpp"
#include "port_state.hpp"
#include "reactor.hpp"

namespace ro {
namespace detail {

class HotplugImpl : public std::enable_shared_from_this<HotplugImpl> {
 public:
  HotplugImpl() = default;
  HotplugImpl(const HotplugImpl&) = delete;
  HotplugImpl& operator=(const HotplugImpl&) = delete;

  ObjectCore& Core() noexcept { return core_; }

  /// Starts watching in the calling thread's network namespace; a failure
  /// is recorded (BrightScript's CreateObject gives an object either way).
  void Start(asio::io_context& io) RO_EXCLUDES(mutex_) {
    std::shared_ptr<LinkWatcher::Subscription> subscription;
    const Status s = LinkWatcher::Subscribe(
        io,
        [weak = weak_from_this()](const std::vector<LinkChange>& changes) {
          if (auto self = weak.lock()) self->Deliver(changes);
        },
        subscription);
    if (!s.ok()) {
      (void)core_.Record(Status(s).Within("NetworkHotplug"));
      return;
    }
    MutexLock lock(mutex_);
    subscription_ = std::move(subscription);
  }

  /// No deliveries once this returns.
  void Stop() RO_EXCLUDES(mutex_) {
    std::shared_ptr<LinkWatcher::Subscription> subscription;
    {
      MutexLock lock(mutex_);
      subscription = std::move(subscription_);
    }
    if (subscription) subscription->Cancel();
  }

  void SetPort(const MessagePort& port) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    port_ = PortAccess::State(port);
  }

 private:
  void Deliver(const std::vector<LinkChange>& changes) RO_EXCLUDES(mutex_) {
    std::shared_ptr<PortState> port;
    {
      MutexLock lock(mutex_);
      port = port_.lock();
    }
    if (!port) return;
    const std::shared_ptr<const UserData> user_data = core_.SharedUserData();
    std::vector<Message> events;
    events.reserve(changes.size());
    for (const LinkChange& change : changes) {
      if (change.attached) {
        events.push_back(std::make_shared<NetworkAttachedEvent>(change.index, change.name,
                                                                user_data, core_.Identity()));
      } else {
        events.push_back(std::make_shared<NetworkDetachedEvent>(change.index, change.name,
                                                                user_data, core_.Identity()));
      }
    }
    port->PostBatch(events.data(), events.size());
  }

  ObjectCore core_;
  Mutex mutex_;
  std::shared_ptr<LinkWatcher::Subscription> subscription_ RO_GUARDED_BY(mutex_);
  std::weak_ptr<PortState> port_ RO_GUARDED_BY(mutex_);
};

struct HotplugAccess {
  static NetworkHotplug Make(asio::io_context& io) {
    auto impl = std::make_shared<HotplugImpl>();
    impl->Start(io);
    return NetworkHotplug(std::move(impl));
  }
};

}  // namespace detail

NetworkHotplug MakeNetworkHotplug(asio::io_context& io) { return detail::HotplugAccess::Make(io); }

NetworkEvent::NetworkEvent(int index, std::string name, std::shared_ptr<const UserData> user_data,
                           int identity)
    : index_(index),
      name_(std::move(name)),
      user_data_(std::move(user_data)),
      identity_(identity) {}

UserData NetworkEvent::GetUserData() const { return user_data_ ? *user_data_ : UserData{}; }

NetworkAttachedEvent::NetworkAttachedEvent(int index, std::string name,
                                           std::shared_ptr<const UserData> user_data, int identity)
    : NetworkEvent(index, std::move(name), std::move(user_data), identity) {}

std::string_view NetworkAttachedEvent::TypeName() const { return "roNetworkAttached"; }

NetworkDetachedEvent::NetworkDetachedEvent(int index, std::string name,
                                           std::shared_ptr<const UserData> user_data, int identity)
    : NetworkEvent(index, std::move(name), std::move(user_data), identity) {}

std::string_view NetworkDetachedEvent::TypeName() const { return "roNetworkDetached"; }

NetworkHotplug::NetworkHotplug()
    : NetworkHotplug(detail::HotplugAccess::Make(detail::Reactor::Instance().Context())) {}

NetworkHotplug::NetworkHotplug(std::shared_ptr<detail::HotplugImpl> impl) noexcept
    : impl_(std::move(impl)) {}

NetworkHotplug::~NetworkHotplug() {
  if (impl_) impl_->Stop();
}

NetworkHotplug::NetworkHotplug(NetworkHotplug&& other) noexcept = default;

NetworkHotplug& NetworkHotplug::operator=(NetworkHotplug&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->Stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void NetworkHotplug::SetPort(const MessagePort& port) {
  if (impl_) impl_->SetPort(port);
}

void NetworkHotplug::SetUserData(UserData data) {
  if (impl_) impl_->Core().SetUserData(std::move(data));
}

UserData NetworkHotplug::GetUserData() const {
  return impl_ ? impl_->Core().GetUserData() : UserData{};
}

int NetworkHotplug::GetIdentity() const { return impl_ ? impl_->Core().Identity() : 0; }

std::string NetworkHotplug::GetFailureReason() const {
  return impl_ ? impl_->Core().FailureReason()
               : "NetworkHotplug: this object was moved from; it no longer watches anything";
}

int NetworkHotplug::GetFailureCode() const { return impl_ ? impl_->Core().FailureCode() : -EBADF; }

}  // namespace ro
