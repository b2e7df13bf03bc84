// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "link_watcher.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include <asio/post.hpp>
#include <fmt/core.h>

#include "reactor.hpp"
#include "sys.hpp"
#include "text.hpp"

namespace ro::detail {
namespace {

// Notifications read per wake-up before the state is read again: a burst of
// changes costs one dump, not one per message.
constexpr int kMaxNotificationsPerWakeup = 256;
constexpr std::size_t kNetlinkBuffer = 32 * 1024;
// A dump of the kernel's own tables answers in microseconds; this bounds a
// pathological case (the first dump blocks its caller at most this long;
// later ones give up and wait for the next change).
constexpr auto kDumpTimeout = std::chrono::seconds(2);

Mutex g_registry_mutex;
std::map<std::pair<std::uint64_t, const asio::io_context*>, std::weak_ptr<LinkWatcher>> g_registry
    RO_GUARDED_BY(g_registry_mutex);

// NLMSG_DATA without the macro's C-style cast.
void* Payload(nlmsghdr* header) { return reinterpret_cast<char*>(header) + NLMSG_HDRLEN; }

// The calling thread's network namespace (its inode), 0 if /proc is absent.
std::uint64_t ThisNamespace() {
  struct stat info {};
  if (stat("/proc/thread-self/ns/net", &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.st_ino);
}

int OpenNetlink(unsigned groups) {
  const int fd = sys::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (sys::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    const int err = errno;
    sys::close(fd);
    return -err;
  }
  return fd;
}

void CloseNetlink(std::optional<asio::posix::stream_descriptor>& d) {
  if (!d || !d->is_open()) return;
  // Released from Asio first, so that the close goes through the seam.
  const int fd = d->release();
  d.reset();
  sys::close(fd);
}

int SendDumpRequest(int fd, std::uint16_t request, std::uint32_t sequence) {
  struct {
    nlmsghdr header;
    rtgenmsg body;
  } message{};
  message.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtgenmsg));
  message.header.nlmsg_type = request;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = sequence;
  message.body.rtgen_family = AF_UNSPEC;
  ssize_t rc = 0;
  do {
    rc = sys::send(fd, &message, message.header.nlmsg_len, 0);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : 0;
}

enum class Parsed { kMore, kDone, kFailed };

// Folds one buffer of dump replies into `links`.
Parsed ParseDump(char* buffer, std::size_t size, std::uint32_t sequence,
                 std::map<int, LinkState>& links, int& error) {
  auto remaining = static_cast<unsigned>(size);
  for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, remaining);
       h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_seq != sequence) continue;
    if (h->nlmsg_type == NLMSG_DONE) return Parsed::kDone;
    if (h->nlmsg_type == NLMSG_ERROR) {
      error = -static_cast<const nlmsgerr*>(Payload(h))->error;
      return Parsed::kFailed;
    }
    if (h->nlmsg_type == RTM_NEWLINK) {
      auto* info = static_cast<ifinfomsg*>(Payload(h));
      LinkState& link = links[info->ifi_index];
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
  return Parsed::kMore;
}

// The first dump, in the caller's thread: waits with poll() up to the
// deadline, so that the caller gets the state that later changes are
// measured against.
Status BlockingDump(int fd, std::uint16_t request, std::uint32_t sequence,
                    std::vector<char>& buffer, std::map<int, LinkState>& links) {
  if (const int rc = SendDumpRequest(fd, request, sequence); rc < 0) {
    return Status::Failure(rc, "netlink request failed: " + ErrorText(-rc));
  }
  const auto deadline = std::chrono::steady_clock::now() + kDumpTimeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Failure(-ETIMEDOUT, "netlink dump timed out");
    pollfd p{fd, POLLIN, 0};
    const int ready = sys::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return Status::Failure(-errno, "netlink dump failed: " + ErrorText(errno));
    }
    if (ready <= 0) continue;
    const ssize_t n = sys::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::Failure(-errno, "netlink dump failed: " + ErrorText(errno));
    }
    int error = 0;
    switch (ParseDump(buffer.data(), static_cast<std::size_t>(n), sequence, links, error)) {
      case Parsed::kDone:
        return {};
      case Parsed::kFailed:
        return Status::Failure(-error, "netlink dump refused: " + ErrorText(error));
      case Parsed::kMore:
        break;
    }
  }
}

}  // namespace

bool LinkState::Attached() const noexcept {
  return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0 && addresses > 0;
}

LinkWatcher::Subscription::~Subscription() { Cancel(); }

std::shared_ptr<LinkWatcher> LinkWatcher::Subscription::TakeWatcher() {
  active_ = false;
  return std::move(watcher_);
}

void LinkWatcher::Subscription::Cancel() RO_NO_THREAD_SAFETY_ANALYSIS {
  std::shared_ptr<LinkWatcher> watcher;
  if (calling_.load(std::memory_order_acquire) == std::this_thread::get_id()) {
    // From inside the listener: this thread holds call_mutex_ already.
    watcher = TakeWatcher();
  } else {
    MutexLock lock(call_mutex_);
    watcher = TakeWatcher();
  }
  if (watcher) watcher->Unsubscribe(this);
}

void LinkWatcher::Subscription::Call(const std::vector<LinkChange>& changes) {
  MutexLock lock(call_mutex_);
  if (!active_) return;
  calling_.store(std::this_thread::get_id(), std::memory_order_release);
  listener_(changes);
  calling_.store(std::thread::id(), std::memory_order_release);
}

Status LinkWatcher::Subscribe(asio::io_context& io, Listener listener,
                              std::shared_ptr<Subscription>& out) {
  const Key key{ThisNamespace(), &io};
  MutexLock lock(g_registry_mutex);
  std::weak_ptr<LinkWatcher>& slot = g_registry[key];
  std::shared_ptr<LinkWatcher> watcher = slot.lock();
  if (!watcher) {
    watcher.reset(new LinkWatcher(io, key));
    if (Status s = watcher->Open(); !s.ok()) {
      g_registry.erase(key);
      return s;
    }
    slot = watcher;
  }
  out.reset(new Subscription(watcher, std::move(listener)));
  watcher->AddLocked(out);
  return {};
}

void LinkWatcher::AddLocked(const std::shared_ptr<Subscription>& subscription) {
  MutexLock lock(mutex_);
  subscribers_.push_back(subscription);
}

LinkWatcher::LinkWatcher(asio::io_context& io, Key key)
    : io_(io), key_(key), buffer_(kNetlinkBuffer) {}

LinkWatcher::~LinkWatcher() {
  CloseNetlink(doorbell_);
  CloseNetlink(dump_);
}

Status LinkWatcher::Open() {
  // Subscribe before the first snapshot: a change racing with it then still
  // rings the doorbell and is compared against the snapshot.
  const int doorbell = OpenNetlink(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
  if (doorbell < 0) {
    return Status::Failure(doorbell, "cannot open rtnetlink: " + ErrorText(-doorbell));
  }
  doorbell_.emplace(io_, doorbell);
  const int dump = OpenNetlink(0);
  if (dump < 0) return Status::Failure(dump, "cannot open rtnetlink: " + ErrorText(-dump));
  dump_.emplace(io_, dump);
  std::map<int, LinkState> links;
  Status s = BlockingDump(dump, RTM_GETLINK, ++sequence_, buffer_, links);
  if (s.ok()) s = BlockingDump(dump, RTM_GETADDR, ++sequence_, buffer_, links);
  if (!s.ok()) return std::move(s).Within("cannot read the interfaces");
  links_ = std::move(links);
  // As for sockets, the first read runs on the reactor and reads until empty
  // before it waits, so a notification that came meanwhile is not lost.
  asio::post(io_, [self = shared_from_this()] { self->OnDoorbell(); });
  if (&io_ == &Reactor::Instance().Context()) Reactor::Instance().EnsureRunning();
  return {};
}

void LinkWatcher::Unsubscribe(const Subscription* subscription) {
  MutexLock registry(g_registry_mutex);
  {
    MutexLock lock(mutex_);
    subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                      [&](const std::weak_ptr<Subscription>& s) {
                                        const auto live = s.lock();
                                        return !live || live.get() == subscription;
                                      }),
                       subscribers_.end());
    if (!subscribers_.empty()) return;
  }
  // The last one: a later Subscribe() in this namespace opens a new watcher.
  const auto it = g_registry.find(key_);
  if (it != g_registry.end() && it->second.lock().get() == this) g_registry.erase(it);
  // The descriptors belong to the reactor thread: close them there.
  asio::post(io_, [self = shared_from_this()] { self->Shutdown(); });
}

void LinkWatcher::AtForkPrepare() RO_NO_THREAD_SAFETY_ANALYSIS { g_registry_mutex.lock(); }

void LinkWatcher::AtForkParent() RO_NO_THREAD_SAFETY_ANALYSIS { g_registry_mutex.unlock(); }

void LinkWatcher::AtForkChild() RO_NO_THREAD_SAFETY_ANALYSIS {
  std::vector<std::shared_ptr<LinkWatcher>> live;
  for (const auto& entry : g_registry) {
    if (auto watcher = entry.second.lock()) live.push_back(std::move(watcher));
  }
  g_registry_mutex.unlock();
  for (const auto& watcher : live) {
    asio::post(watcher->io_, [watcher] { watcher->ReopenAfterFork(); });
  }
}

void LinkWatcher::ReopenAfterFork() {
  if (stopped_) return;
  // Closing the child's copies leaves the parent's sockets open; pending
  // waits complete with operation_aborted and do nothing.
  CloseNetlink(doorbell_);
  CloseNetlink(dump_);
  if (dump_deadline_) dump_deadline_->cancel();
  phase_ = Phase::kIdle;
  dirty_ = false;
  const int doorbell = OpenNetlink(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
  const int dump = doorbell >= 0 ? OpenNetlink(0) : -1;
  if (doorbell < 0 || dump < 0) {
    if (doorbell >= 0) sys::close(doorbell);
    fmt::print(stderr, "rodatagram: after fork(), cannot reopen rtnetlink; hotplug stops\n");
    stopped_ = true;
    return;
  }
  doorbell_.emplace(io_, doorbell);
  dump_.emplace(io_, dump);
  WaitDoorbell();
  // Changes between the parent's last dump and now are reported by this one.
  StartDump(Phase::kLinks);
}

void LinkWatcher::Shutdown() {
  stopped_ = true;
  if (dump_deadline_) dump_deadline_->cancel();
  CloseNetlink(doorbell_);
  CloseNetlink(dump_);
}

void LinkWatcher::WaitDoorbell() {
  doorbell_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](const asio::error_code& ec) {
                          if (!ec) self->OnDoorbell();
                        });
}

// Reads every pending notification. Their content is not needed: any of
// them means "look again", and an overrun (ENOBUFS) means the same.
void LinkWatcher::OnDoorbell() {
  if (stopped_) return;
  const int fd = doorbell_->native_handle();
  bool rang = false;
  for (int i = 0; i < kMaxNotificationsPerWakeup; ++i) {
    const ssize_t n = sys::recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == ENOBUFS)) {
      rang = true;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (rang) {
    if (phase_ == Phase::kIdle) {
      StartDump(Phase::kLinks);
    } else {
      dirty_ = true;
    }
  }
  WaitDoorbell();
}

void LinkWatcher::StartDump(Phase phase) {
  if (phase == Phase::kLinks) next_.clear();
  phase_ = phase;
  const int rc = SendDumpRequest(dump_->native_handle(),
                                 phase == Phase::kLinks ? RTM_GETLINK : RTM_GETADDR, ++sequence_);
  if (rc < 0) {
    // Nothing to wait for: try again at the next change.
    phase_ = Phase::kIdle;
    return;
  }
  if (!dump_deadline_) dump_deadline_.emplace(io_);
  dump_deadline_->expires_after(kDumpTimeout);
  dump_deadline_->async_wait([self = shared_from_this()](const asio::error_code& ec) {
    // A dump that never finished: drop it and read again from scratch.
    if (ec || self->stopped_ || self->phase_ == Phase::kIdle) return;
    ++self->sequence_;  // late replies to the old request are ignored
    self->StartDump(Phase::kLinks);
  });
  WaitDump();
}

void LinkWatcher::WaitDump() {
  dump_->async_wait(asio::posix::stream_descriptor::wait_read,
                    [self = shared_from_this()](const asio::error_code& ec) {
                      if (!ec) self->OnDumpReadable();
                    });
}

void LinkWatcher::OnDumpReadable() {
  if (stopped_ || phase_ == Phase::kIdle) return;
  for (;;) {
    const ssize_t n =
        sys::recv(dump_->native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return WaitDump();
      // The socket lost replies (ENOBUFS) or failed: start over.
      return StartDump(Phase::kLinks);
    }
    int error = 0;
    switch (ParseDump(buffer_.data(), static_cast<std::size_t>(n), sequence_, next_, error)) {
      case Parsed::kMore:
        continue;
      case Parsed::kFailed:
        phase_ = Phase::kIdle;
        dump_deadline_->cancel();
        return;
      case Parsed::kDone:
        if (phase_ == Phase::kLinks) return StartDump(Phase::kAddresses);
        return FinishDump();
    }
  }
}

void LinkWatcher::FinishDump() {
  phase_ = Phase::kIdle;
  dump_deadline_->cancel();
  std::vector<LinkChange> changes;
  for (const auto& [index, link] : next_) {
    const auto before = links_.find(index);
    const bool was = before != links_.end() && before->second.Attached();
    if (link.Attached() != was) {
      changes.push_back({index, link.name, link.Attached(), (link.flags & IFF_MULTICAST) != 0});
    }
  }
  for (const auto& [index, link] : links_) {
    if (link.Attached() && next_.find(index) == next_.end()) {
      changes.push_back({index, link.name, false, (link.flags & IFF_MULTICAST) != 0});
    }
  }
  links_ = std::move(next_);
  next_.clear();
  if (!changes.empty()) Deliver(changes);
  if (dirty_) {
    dirty_ = false;
    StartDump(Phase::kLinks);
  }
}

void LinkWatcher::Deliver(const std::vector<LinkChange>& changes) {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    MutexLock lock(mutex_);
    for (const auto& weak : subscribers_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  // No lock of the watcher is held while listeners run: they take their
  // owners' locks, and may subscribe or cancel.
  for (const auto& subscription : live) subscription->Call(changes);
}

}  // namespace ro::detail
