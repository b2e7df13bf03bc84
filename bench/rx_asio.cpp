// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Contender "plain Asio": what an Asio user writes, after Asio's own UDP
// echo example. One io_context run on the main thread, one outstanding
// async_receive_from; the handler is the application code.
//
//   rx_asio drain n=<count> rcvbuf=<bytes>
//   rx_asio echo
//   rx_asio idle

#include <cstdint>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "bench_common.hpp"

namespace {

using asio::ip::udp;

class Receiver {
 public:
  Receiver(asio::io_context& io, int rcvbuf)
      : socket_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
        buffer_(bench::kMaxDatagram) {
    if (rcvbuf > 0) socket_.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
  }

  int Port() const { return socket_.local_endpoint().port(); }

  void StartDrain(std::uint64_t n) {
    n_ = n;
    ReceiveForDrain();
  }

  void StartEcho() { ReceiveForEcho(); }

  void StartIdle() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [](const asio::error_code&, std::size_t) {});
  }

  void PrintResult() const { bench::PrintDrainResult(count_, sum_, first_, last_); }

 private:
  void ReceiveForDrain() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [this](const asio::error_code& ec, std::size_t size) {
                                 if (ec) return;
                                 if (count_ == 0) first_ = bench::NowNs();
                                 sum_ += bench::SumBytes(buffer_.data(), size);
                                 if (++count_ == n_) {
                                   last_ = bench::NowNs();
                                   return;  // nothing left outstanding: run() returns
                                 }
                                 ReceiveForDrain();
                               });
  }

  void ReceiveForEcho() {
    socket_.async_receive_from(
        asio::buffer(buffer_), from_, [this](const asio::error_code& ec, std::size_t size) {
          if (ec) return ReceiveForEcho();
          socket_.async_send_to(asio::buffer(buffer_.data(), size), from_,
                                [this](const asio::error_code&, std::size_t) { ReceiveForEcho(); });
        });
  }

  udp::socket socket_;
  udp::endpoint from_;
  std::vector<char> buffer_;
  std::uint64_t n_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::int64_t first_ = 0;
  std::int64_t last_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  bench::BoundLifetime(static_cast<unsigned>(args.Int("lifetime", 120)));
  asio::io_context io;
  Receiver receiver(io, static_cast<int>(args.Int("rcvbuf", 0)));
  if (args.mode == "drain") {
    receiver.StartDrain(static_cast<std::uint64_t>(args.Int("n", 0)));
  } else if (args.mode == "echo") {
    receiver.StartEcho();
  } else if (args.mode == "idle") {
    receiver.StartIdle();
  } else {
    std::fprintf(stderr, "rx_asio: unknown mode '%s'\n", args.mode.c_str());
    return 2;
  }
  bench::PrintReady(receiver.Port());
  io.run();
  if (args.mode == "drain") receiver.PrintResult();
  return 0;
}
