// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The socket options an application chooses, kept as a value so that a
// kernel socket created later (the first SendTo, a bind, a join) gets them
// too, and the creation of a kernel socket with them applied.

#ifndef RO_SRC_SOCKET_OPTIONS_HPP_
#define RO_SRC_SOCKET_OPTIONS_HPP_

#include "interfaces.hpp"
#include "status.hpp"

namespace ro::detail {

/// -1 means "the kernel's default".
struct SocketOptions {
  bool reuse_address = false;
  bool reuse_port = false;
  bool broadcast = false;
  int multicast_ttl = -1;
  int multicast_loop = -1;
  bool has_multicast_interface = false;
  InterfaceChoice multicast_interface;
  int receive_buffer = 0;
  bool receive_destination = true;  ///< IP_PKTINFO / IPV6_RECVPKTINFO
};

/// Applies `options` to the socket `fd` of `family`. On an IPv6 socket the
/// IPv4 multicast options are set too, best effort, for the IPv4 traffic of
/// the dual-stack socket. Returns 0 or the first -errno.
int ApplyOptions(int fd, int family, const SocketOptions& options);

/// Creates a close-on-exec UDP socket (blocking for sends: a full send
/// buffer waits rather than failing; receives use MSG_DONTWAIT) of `family` (IPv6 ones
/// dual-stack) hearing only the groups it joins itself, with `options`
/// applied. Returns the descriptor, or -errno.
int OpenUdpSocket(int family, const SocketOptions& options);

/// SO_RCVBUF as the kernel reports it (twice what was asked), 0 on error.
int ReceiveBufferSize(int fd);

}  // namespace ro::detail

#endif  // RO_SRC_SOCKET_OPTIONS_HPP_
