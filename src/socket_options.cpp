// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "socket_options.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "sys.hpp"

#ifndef IPV6_MULTICAST_ALL
#  define IPV6_MULTICAST_ALL 29  // Linux 4.20; older headers lack the name
#endif

namespace ro::detail {
namespace {

int Set(int fd, int level, int name, const void* value, socklen_t length) {
  return sys::setsockopt(fd, level, name, value, length) == 0 ? 0 : -errno;
}

int SetInt(int fd, int level, int name, int value) {
  return Set(fd, level, name, &value, sizeof value);
}

}  // namespace

int ApplyOptions(int fd, int family, const SocketOptions& o) {
  const bool v6 = family == AF_INET6;
  int rc = SetInt(fd, SOL_SOCKET, SO_REUSEADDR, o.reuse_address ? 1 : 0);
  if (rc == 0) rc = SetInt(fd, SOL_SOCKET, SO_REUSEPORT, o.reuse_port ? 1 : 0);
  if (rc == 0) rc = SetInt(fd, SOL_SOCKET, SO_BROADCAST, o.broadcast ? 1 : 0);
  if (rc == 0 && o.receive_buffer > 0) rc = SetInt(fd, SOL_SOCKET, SO_RCVBUF, o.receive_buffer);
  if (rc == 0) {
    const int on = o.receive_destination ? 1 : 0;
    rc = SetInt(fd, IPPROTO_IP, IP_PKTINFO, on);  // also IPv4 traffic of a dual-stack socket
    if (rc == 0 && v6) rc = SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on);
  }
  if (rc == 0 && o.multicast_ttl >= 0) {
    rc = v6 ? SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, o.multicast_ttl)
            : SetInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicast_ttl);
    if (v6) (void)SetInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicast_ttl);
  }
  if (rc == 0 && o.multicast_loop >= 0) {
    rc = v6 ? SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, o.multicast_loop)
            : SetInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicast_loop);
    if (v6) (void)SetInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicast_loop);
  }
  if (rc == 0 && o.has_multicast_interface) {
    ip_mreqn request{};
    request.imr_address = o.multicast_interface.v4_address;
    request.imr_ifindex = static_cast<int>(o.multicast_interface.index);
    if (v6) {
      rc = SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
                  static_cast<int>(o.multicast_interface.index));
      (void)Set(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request);
    } else {
      rc = Set(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request);
    }
  }
  return rc;
}

int OpenUdpSocket(int family, const SocketOptions& options) {
  const int fd = sys::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return -errno;
  // Best effort below: an old kernel without IPV6_MULTICAST_ALL (4.20) or
  // with IPv6 restricted still gets a working socket.
  if (family == AF_INET6) {
    // Dual stack: an IPv6 socket also reaches IPv4 peers (as ::ffff:a.b.c.d).
    (void)SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    (void)SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
  }
  // Linux delivers every group joined by *any* socket on the port unless
  // this is off; a socket should hear only the groups it joined itself.
  (void)SetInt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
  if (const int rc = ApplyOptions(fd, family, options); rc < 0) {
    sys::close(fd);
    return rc;
  }
  return fd;
}

int ReceiveBufferSize(int fd) {
  int value = 0;
  socklen_t length = sizeof value;
  return sys::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 ? value : 0;
}

}  // namespace ro::detail
