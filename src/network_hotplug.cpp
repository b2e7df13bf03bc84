// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <utility>

#include <asio/post.hpp>
#include <fmt/core.h>

#include <ro/asio.hpp>
#include <ro/network_hotplug.hpp>

#include "hotplug_monitor.hpp"
#include "port_state.hpp"
#include "reactor.hpp"
#include "text.hpp"

namespace ro {
namespace detail {
namespace {

// Netlink notifications read per wake-up before the state is re-read; a
// burst of changes costs one snapshot, not one per message.
constexpr int kMaxNotificationsPerWakeup = 256;
constexpr std::size_t kNetlinkBuffer = 32 * 1024;
// A dump of the kernel's own tables answers in microseconds; this bounds a
// pathological case so the reactor can never hang on it.
constexpr auto kDumpTimeout = std::chrono::seconds(2);

// NLMSG_DATA without the macro's C-style cast. The netlink macros cast away
// const, so the parser works on (its own, writable) buffer through
// non-const pointers.
void* Payload(nlmsghdr* header) { return reinterpret_cast<char*>(header) + NLMSG_HDRLEN; }

int OpenNetlink(unsigned groups, int extra_type_flags) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | extra_type_flags, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    const int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

}  // namespace

bool HotplugMonitor::Link::Attached() const noexcept {
  return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0 && addresses > 0;
}

HotplugMonitor::HotplugMonitor(asio::io_context& io) : io_(io), identity_(NextIdentity()) {}

HotplugMonitor::~HotplugMonitor() {
  if (dump_fd_ >= 0) close(dump_fd_);
}

bool HotplugMonitor::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Subscribe before the first snapshot: a change racing with it then still
  // rings the doorbell and is diffed against the snapshot.
  const int doorbell =
      OpenNetlink(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, SOCK_NONBLOCK);
  if (doorbell < 0) {
    reason_ = fmt::format("NetworkHotplug: cannot open rtnetlink: {}", ErrorText(-doorbell));
    return false;
  }
  dump_fd_ = OpenNetlink(0, 0);
  if (dump_fd_ < 0) {
    reason_ = fmt::format("NetworkHotplug: cannot open rtnetlink: {}", ErrorText(-dump_fd_));
    close(doorbell);
    return false;
  }
  timeval timeout{};
  timeout.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kDumpTimeout).count();
  setsockopt(dump_fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  doorbell_.emplace(io_, doorbell);
  std::string why;
  if (!Snapshot(links_, why)) {
    reason_ = "NetworkHotplug: cannot read the interfaces: " + why;
    return false;
  }
  // As for sockets, the first read runs on the reactor and drains before it
  // waits, so a notification that came before the wait is not lost.
  asio::post(io_, [self = shared_from_this()] { self->OnReadable(); });
  Reactor::Instance().EnsureRunning();
  return true;
}

void HotplugMonitor::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  if (doorbell_) {
    asio::error_code ignored;
    doorbell_->close(ignored);
  }
}

void HotplugMonitor::SetPort(const MessagePort& port) {
  std::lock_guard<std::mutex> lock(mutex_);
  port_ = PortAccess::State(port);
}

void HotplugMonitor::SetListener(Listener listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = std::move(listener);
}

void HotplugMonitor::SetUserData(UserData data) {
  auto shared = data.has_value() ? std::make_shared<const UserData>(std::move(data)) : nullptr;
  std::lock_guard<std::mutex> lock(user_data_mutex_);
  user_data_ = std::move(shared);
}

UserData HotplugMonitor::GetUserData() const {
  std::lock_guard<std::mutex> lock(user_data_mutex_);
  return user_data_ ? *user_data_ : UserData{};
}

std::string HotplugMonitor::FailureReason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

void HotplugMonitor::OnReadable() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_ || !doorbell_ || !doorbell_->is_open()) return;
  if (DrainDoorbell()) {
    std::map<int, Link> now;
    std::string why;
    if (Snapshot(now, why)) {
      std::vector<LinkChange> changes;
      for (const auto& [index, link] : now) {
        const auto before = links_.find(index);
        const bool was = before != links_.end() && before->second.Attached();
        if (link.Attached() != was) {
          changes.push_back({index, link.name, link.Attached(), (link.flags & IFF_MULTICAST) != 0});
        }
      }
      for (const auto& [index, link] : links_) {
        if (link.Attached() && now.find(index) == now.end()) {
          changes.push_back({index, link.name, false, (link.flags & IFF_MULTICAST) != 0});
        }
      }
      links_ = std::move(now);
      if (!changes.empty()) Deliver(changes);
    } else {
      reason_ = "NetworkHotplug: cannot read the interfaces: " + why;
    }
  }
  doorbell_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](const asio::error_code& ec) {
                          if (!ec) self->OnReadable();
                        });
}

// Reads every pending notification. Their content is not needed: any of
// them means "look again", and an overrun (ENOBUFS) means the same.
bool HotplugMonitor::DrainDoorbell() {
  alignas(nlmsghdr) static thread_local char buffer[kNetlinkBuffer];
  const int fd = doorbell_->native_handle();
  bool rang = false;
  for (int i = 0; i < kMaxNotificationsPerWakeup; ++i) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == ENOBUFS)) {
      rang = true;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return rang;
}

bool HotplugMonitor::Snapshot(std::map<int, Link>& links, std::string& why) {
  links.clear();
  return Dump(RTM_GETLINK, links, why) && Dump(RTM_GETADDR, links, why);
}

bool HotplugMonitor::Dump(std::uint16_t request, std::map<int, Link>& links, std::string& why) {
  struct {
    nlmsghdr header;
    rtgenmsg body;
  } message{};
  message.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtgenmsg));
  message.header.nlmsg_type = request;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = ++sequence_;
  message.body.rtgen_family = AF_UNSPEC;
  if (send(dump_fd_, &message, message.header.nlmsg_len, 0) < 0) {
    why = "netlink request failed: " + ErrorText(errno);
    return false;
  }
  alignas(nlmsghdr) static thread_local char buffer[kNetlinkBuffer];
  const auto deadline = std::chrono::steady_clock::now() + kDumpTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = recv(dump_fd_, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      why = "netlink dump failed: " + ErrorText(errno);
      return false;
    }
    auto remaining = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_seq != sequence_) continue;
      if (h->nlmsg_type == NLMSG_DONE) return true;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* error = static_cast<nlmsgerr*>(Payload(h));
        why = "netlink dump refused: " + ErrorText(-error->error);
        return false;
      }
      if (h->nlmsg_type == RTM_NEWLINK) {
        auto* info = static_cast<ifinfomsg*>(Payload(h));
        Link& link = links[info->ifi_index];
        link.flags = info->ifi_flags;
        auto length = static_cast<unsigned>(IFLA_PAYLOAD(h));
        for (rtattr* a = IFLA_RTA(info); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
          if (a->rta_type == IFLA_IFNAME) {
            link.name.assign(static_cast<const char*>(RTA_DATA(a)),
                             strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
          }
        }
      } else if (h->nlmsg_type == RTM_NEWADDR) {
        auto* info = static_cast<ifaddrmsg*>(Payload(h));
        unsigned flags = info->ifa_flags;
        auto length = static_cast<unsigned>(IFA_PAYLOAD(h));
        for (rtattr* a = IFA_RTA(info); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
          if (a->rta_type == IFA_FLAGS) std::memcpy(&flags, RTA_DATA(a), sizeof flags);
        }
        // An address still in duplicate detection cannot be used yet.
        const auto link = links.find(static_cast<int>(info->ifa_index));
        if ((flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0 && link != links.end()) {
          ++link->second.addresses;
        }
      }
    }
  }
  why = "netlink dump timed out";
  return false;
}

void HotplugMonitor::Deliver(const std::vector<LinkChange>& changes) {
  if (listener_) listener_(changes);
  const std::shared_ptr<PortState> port = port_.lock();
  if (!port) return;
  std::shared_ptr<const UserData> user_data;
  {
    std::lock_guard<std::mutex> lock(user_data_mutex_);
    user_data = user_data_;
  }
  std::vector<Message> events;
  events.reserve(changes.size());
  for (const LinkChange& change : changes) {
    if (change.attached) {
      events.push_back(
          std::make_shared<NetworkAttachedEvent>(change.index, change.name, user_data, identity_));
    } else {
      events.push_back(
          std::make_shared<NetworkDetachedEvent>(change.index, change.name, user_data, identity_));
    }
  }
  port->PostBatch(events.data(), events.size());
}

struct HotplugAccess {
  static NetworkHotplug Make(asio::io_context& io) {
    auto monitor = std::make_shared<HotplugMonitor>(io);
    // A failure is kept for GetFailureReason(); BrightScript's CreateObject
    // gives an object either way.
    monitor->Start();
    return NetworkHotplug(std::move(monitor));
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

NetworkHotplug::NetworkHotplug(std::shared_ptr<detail::HotplugMonitor> monitor) noexcept
    : monitor_(std::move(monitor)) {}

NetworkHotplug::~NetworkHotplug() {
  if (monitor_) monitor_->Stop();
}

NetworkHotplug::NetworkHotplug(NetworkHotplug&& other) noexcept = default;

NetworkHotplug& NetworkHotplug::operator=(NetworkHotplug&& other) noexcept {
  if (this != &other) {
    if (monitor_) monitor_->Stop();
    monitor_ = std::move(other.monitor_);
  }
  return *this;
}

void NetworkHotplug::SetPort(const MessagePort& port) {
  if (monitor_) monitor_->SetPort(port);
}

void NetworkHotplug::SetUserData(UserData data) {
  if (monitor_) monitor_->SetUserData(std::move(data));
}

UserData NetworkHotplug::GetUserData() const {
  return monitor_ ? monitor_->GetUserData() : UserData{};
}

int NetworkHotplug::GetIdentity() const { return monitor_ ? monitor_->Identity() : 0; }

std::string NetworkHotplug::GetFailureReason() const {
  return monitor_ ? monitor_->FailureReason()
                  : "NetworkHotplug: this object was moved from; it no longer watches anything";
}

}  // namespace ro
