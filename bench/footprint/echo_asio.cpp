// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Footprint probe (scripts/footprint): echo_ro.cpp's UDP echo server in plain
// standalone Asio, error_code overloads, one thread.
//
//   echo_asio PORT COUNT    echoes COUNT datagrams back to their senders

#include <array>
#include <cstdlib>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  asio::io_context io;
  asio::ip::udp::socket socket(io);
  asio::error_code ec;
  socket.open(asio::ip::udp::v4(), ec);
  if (!ec) {
    socket.bind(
        {asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))},
        ec);
  }
  if (ec) return 1;
  std::array<char, 65536> buffer;
  for (int left = std::atoi(argv[2]); left > 0; --left) {
    asio::ip::udp::endpoint sender;
    const std::size_t n = socket.receive_from(asio::buffer(buffer), sender, 0, ec);
    if (ec) return 1;
    socket.send_to(asio::buffer(buffer.data(), n), sender, 0, ec);
    if (ec) return 1;
  }
  return 0;
}
