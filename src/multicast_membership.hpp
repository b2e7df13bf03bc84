// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The multicast groups one socket has joined, and on which interfaces: what
// JoinMulticastGroup / LeaveMulticastGroup change, and what is joined again
// when an interface attaches (auto-rejoin).

#ifndef RO_SRC_MULTICAST_MEMBERSHIP_HPP_
#define RO_SRC_MULTICAST_MEMBERSHIP_HPP_

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "address.hpp"
#include "link_watcher.hpp"
#include "status.hpp"

namespace ro::detail {

/// Every interface that is up and multicast-capable, whatever its addresses:
/// the vendor joins "on all interfaces that are currently up", and an
/// interface whose address comes later must not be skipped.
Status MulticastInterfaces(std::set<unsigned>& indexes);

/// Not thread-safe: the owning socket serialises calls under its mutex.
class MulticastMembership {
 public:
  /// Joins `group` on each of `indexes` of the socket `fd`. Succeeds if the
  /// socket is a member on at least one; `failures` describes the others.
  Status Join(int fd, const Endpoint& group, const std::set<unsigned>& indexes);

  /// Leaves `group` on every interface where it was joined.
  Status Leave(int fd, const Endpoint& group);

  /// Joins every remembered group on the interfaces that attached, and
  /// forgets the memberships of those that left. Returns how many joins
  /// failed (the background counts them; it reports to nobody).
  std::size_t OnLinksChanged(int fd, const std::vector<LinkChange>& changes);

  /// Joins every remembered group on `indexes` (catching up after links
  /// that attached unobserved). Returns how many joins failed.
  std::size_t JoinAll(int fd, const std::set<unsigned>& indexes);

 private:
  // Joins or leaves on one interface. Returns 0 or -errno; a join that finds
  // the socket already a member succeeds (re-joins are idempotent).
  static int Change(int fd, const Endpoint& group, unsigned index, bool join);
  void Remember(const Endpoint& group, unsigned index);

  std::vector<Endpoint> groups_;                            // joined, for re-joins
  std::vector<std::pair<Endpoint, unsigned>> memberships_;  // (group, interface)
};

}  // namespace ro::detail

#endif  // RO_SRC_MULTICAST_MEMBERSHIP_HPP_
