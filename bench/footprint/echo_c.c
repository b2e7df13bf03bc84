/* rodatagram - BrightSign-style datagram objects for C++
 * SPDX-License-Identifier: MIT
 *
 * Footprint probe (scripts/footprint): echo_ro.cpp's UDP echo server in plain
 * C with BSD sockets.
 *
 *   echo_c PORT COUNT    echoes COUNT datagrams back to their senders
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  static char buffer[65536];
  struct sockaddr_in local = {0};
  int fd;
  int left;
  if (argc != 3) return 64;
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  local.sin_family = AF_INET;
  local.sin_port = htons((unsigned short)atoi(argv[1]));
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr*)&local, sizeof local) != 0) return 1;
  for (left = atoi(argv[2]); left > 0; --left) {
    struct sockaddr_in sender;
    socklen_t length = sizeof sender;
    const ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr*)&sender, &length);
    if (n < 0 || sendto(fd, buffer, (size_t)n, 0, (struct sockaddr*)&sender, length) != n) return 1;
  }
  return 0;
}
