// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Whether this machine can run the multicast tests at all. A Linux kernel
// always can; qemu-user 7.2, which runs the cross builds' tests (README,
// "Firmware"), cannot: it answers IP_MULTICAST_IF, IPV6_MULTICAST_IF and
// IP_MULTICAST_ALL with ENOPROTOOPT and drops the interface index of an
// IP_ADD_MEMBERSHIP. Tests that need multicast skip themselves there, and
// say so, with RO_SKIP_WITHOUT_MULTICAST_OPTIONS().

#ifndef RO_TESTS_MULTICAST_SUPPORT_HPP_
#define RO_TESTS_MULTICAST_SUPPORT_HPP_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace ro_test {

/// Why the multicast socket options are unavailable here, or "" when they work.
inline std::string MulticastOptionsUnavailable() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  in_addr loopback{};
  loopback.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &loopback, sizeof loopback);
  const int error = errno;
  close(fd);
  if (rc == 0 || error != ENOPROTOOPT) return {};
  return "setsockopt(IP_MULTICAST_IF) fails with ENOPROTOOPT: this runs under an emulator "
         "without multicast socket options (qemu-user 7.2 lacks IP_MULTICAST_IF, "
         "IPV6_MULTICAST_IF, IP_MULTICAST_ALL and IP_ADD_MEMBERSHIP by interface index)";
}

}  // namespace ro_test

/// Skips the current test, naming the reason, when multicast cannot work here.
#define RO_SKIP_WITHOUT_MULTICAST_OPTIONS()                                           \
  do {                                                                                \
    if (const std::string why = ro_test::MulticastOptionsUnavailable(); !why.empty()) \
      GTEST_SKIP() << why;                                                            \
  } while (false)

#endif  // RO_TESTS_MULTICAST_SUPPORT_HPP_
