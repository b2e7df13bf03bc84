// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "multicast_membership.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <fmt/core.h>

#include "interfaces.hpp"
#include "sys.hpp"
#include "text.hpp"

namespace ro::detail {

Status MulticastInterfaces(std::set<unsigned>& indexes) {
  std::vector<NetworkInterface> links;
  if (Status s = ListInterfaces(links); !s.ok()) return s;
  for (const NetworkInterface& link : links) {
    if (link.Multicast()) indexes.insert(link.index);
  }
  return {};
}

int MulticastMembership::Change(int fd, const Endpoint& group, unsigned index, bool join) {
  int rc = 0;
  if (group.family == AF_INET) {
    ip_mreqn request{};
    request.imr_multiaddr = group.V4Address();
    request.imr_ifindex = static_cast<int>(index);
    rc = sys::setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &request,
                         sizeof request);
  } else {
    ipv6_mreq request{};
    request.ipv6mr_multiaddr = group.storage.sin6_addr;
    request.ipv6mr_interface = index;
    rc = sys::setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP,
                         &request, sizeof request);
  }
  if (rc == 0 || (join && errno == EADDRINUSE)) return 0;
  return -errno;
}

void MulticastMembership::Remember(const Endpoint& group, unsigned index) {
  for (const auto& [g, i] : memberships_) {
    if (i == index && SameAddress(g, group)) return;
  }
  memberships_.emplace_back(group, index);
}

Status MulticastMembership::Join(int fd, const Endpoint& group, const std::set<unsigned>& indexes) {
  std::string failures;
  int first_error = 0;
  std::size_t member = 0;
  for (const unsigned index : indexes) {
    if (const int rc = Change(fd, group, index, true); rc == 0) {
      ++member;
      Remember(group, index);
    } else {
      if (first_error == 0) first_error = rc;
      failures += fmt::format("{}{}: {}", failures.empty() ? "" : "; ", InterfaceName(index),
                              ErrorText(-rc));
    }
  }
  if (member == 0) return Status::Failure(first_error, "failed on every interface: " + failures);
  const bool known = std::any_of(groups_.begin(), groups_.end(),
                                 [&](const Endpoint& g) { return SameAddress(g, group); });
  if (!known) groups_.push_back(group);
  return {};
}

Status MulticastMembership::Leave(int fd, const Endpoint& group) {
  const auto joined = std::find_if(groups_.begin(), groups_.end(),
                                   [&](const Endpoint& g) { return SameAddress(g, group); });
  if (joined == groups_.end()) {
    return Status::Failure(-EADDRNOTAVAIL, "this socket has not joined that group");
  }
  groups_.erase(joined);
  for (auto it = memberships_.begin(); it != memberships_.end();) {
    if (SameAddress(it->first, group)) {
      // An interface that vanished took the membership with it; nothing is
      // left to drop there.
      (void)Change(fd, group, it->second, false);
      it = memberships_.erase(it);
    } else {
      ++it;
    }
  }
  return {};
}

std::size_t MulticastMembership::OnLinksChanged(int fd, const std::vector<LinkChange>& changes) {
  std::size_t failed = 0;
  for (const LinkChange& change : changes) {
    const auto index = static_cast<unsigned>(change.index);
    if (!change.attached) {
      memberships_.erase(std::remove_if(memberships_.begin(), memberships_.end(),
                                        [&](const auto& m) { return m.second == index; }),
                         memberships_.end());
      continue;
    }
    if (!change.multicast) continue;
    for (const Endpoint& group : groups_) {
      if (Change(fd, group, index, true) == 0) {
        Remember(group, index);
      } else {
        ++failed;
      }
    }
  }
  return failed;
}

std::size_t MulticastMembership::JoinAll(int fd, const std::set<unsigned>& indexes) {
  std::size_t failed = 0;
  for (const Endpoint& group : groups_) {
    for (const unsigned index : indexes) {
      if (Change(fd, group, index, true) == 0) {
        Remember(group, index);
      } else {
        ++failed;
      }
    }
  }
  return failed;
}

}  // namespace ro::detail
