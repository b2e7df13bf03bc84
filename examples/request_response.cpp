// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// request_response: how a test harness queries a device over UDP. Each
// request carries an id; the harness waits a bounded time for the reply with
// that id, ignores anything else that arrives (late replies to an earlier
// attempt, strangers), and retries a few times before it gives up.
//
// The device is simulated in this process on 127.0.0.1: it answers
// "<id> <command>" with "<id> <result>", and drops the very first request
// it sees, as a lossy network would, so that the retry shows. The harness
// loop in BrightScript:
//
//   udp.SendTo(device$, devicePort, id$ + " " + command$)
//   deadline = CreateObject("roTimespan")
//   while deadline.TotalMilliseconds() < 500
//     msg = wait(500 - deadline.TotalMilliseconds(), port)
//     if msg = invalid then exit while                       ' timed out
//     if type(msg) = "roDatagramEvent" and msg.GetSourcePort() = devicePort then
//       parts = msg.GetString().Tokenize(" ")
//       if parts[0] = id$ then return parts[1]                 ' our reply
//     end if                                                   ' else: ignore
//   end while
//
// Exits 0 if the device answered both requests (one after a retry) and a
// request to a port where nothing listens timed out, all within seconds.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <fmt/core.h>

#include <ro/ro.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The simulated device: its own socket and port, served by its own thread.
class Device {
 public:
  Device() {
    udp_.SetPort(port_);
    if (udp_.BindToLocalPort(0)) thread_ = std::thread([this] { Serve(); });
  }
  ~Device() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  [[nodiscard]] int Port() const { return udp_.GetLocalPort(); }

 private:
  void Serve() {
    bool dropped_one = false;
    while (!stop_) {
      // A short wait, so that the thread notices stop_ (never Wait(0) here).
      const ro::Message msg = ro::Wait(50, port_);
      const auto* event = msg ? msg->As<ro::DatagramEvent>() : nullptr;
      if (event == nullptr) continue;
      if (!dropped_one) {
        dropped_one = true;  // lost on the way
        continue;
      }
      const std::string request = event->GetString();
      const std::string id = request.substr(0, request.find(' '));
      const std::string command = request.substr(id.size() + 1);
      const std::string result = command == "temperature" ? "21.5"
                                 : command == "uptime"    ? "3600"
                                                          : "?";
      udp_.SendTo(event->GetSourceHost(), event->GetSourcePort(), fmt::format("{} {}", id, result));
    }
  }

  ro::MessagePort port_;
  ro::DatagramSocket udp_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The harness side: one socket, one port, replies matched by id.
class Harness {
 public:
  Harness() { udp_.SetPort(port_); }

  // Sends `command` to 127.0.0.1:`device_port` up to `attempts` times,
  // waiting `timeout` for the reply each time. The reply's result, or
  // nothing if every attempt timed out.
  std::optional<std::string> Request(int device_port, const std::string& command,
                                     milliseconds timeout, int attempts) {
    const std::string id = std::to_string(++last_id_);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      if (const int rc = udp_.SendTo("127.0.0.1", device_port, fmt::format("{} {}", id, command));
          rc != 0) {
        fmt::print("  send failed ({}): {}\n", rc, udp_.GetFailureReason());
        return std::nullopt;
      }
      const auto deadline = Clock::now() + timeout;
      for (;;) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;  // Wait(0) would wait forever
        const ro::Message msg = ro::Wait(static_cast<int>(left.count()), port_);
        if (msg == nullptr) break;  // timed out
        const auto* reply = msg->As<ro::DatagramEvent>();
        if (reply == nullptr || reply->GetSourcePort() != device_port) continue;
        const std::string text = reply->GetString();
        if (text.substr(0, text.find(' ')) != id) continue;  // a stale reply
        fmt::print("  {} -> {} (attempt {})\n", command, text.substr(id.size() + 1), attempt);
        return text.substr(id.size() + 1);
      }
      fmt::print("  {}: no reply within {} ms (attempt {} of {})\n", command, timeout.count(),
                 attempt, attempts);
    }
    return std::nullopt;
  }

 private:
  ro::MessagePort port_;
  ro::DatagramSocket udp_;  // bound to a free port by its first SendTo
  int last_id_ = 0;
};

}  // namespace

int main() {
  Device device;
  if (device.Port() == 0) {
    fmt::print(stderr, "request_response: the device could not bind a port\n");
    return 1;
  }
  fmt::print("device on 127.0.0.1:{}\n", device.Port());

  Harness harness;
  const auto temperature = harness.Request(device.Port(), "temperature", milliseconds(300), 3);
  const auto uptime = harness.Request(device.Port(), "uptime", milliseconds(300), 3);

  // Nothing listens on the port of a socket that was just closed.
  int silent_port = 0;
  {
    ro::DatagramSocket closed;
    if (closed.BindToLocalPort(0)) silent_port = closed.GetLocalPort();
  }
  const auto nobody = harness.Request(silent_port, "temperature", milliseconds(200), 2);

  const bool ok = temperature == "21.5" && uptime == "3600" && !nobody;
  fmt::print("{}\n", ok ? "request_response: all outcomes as expected"
                        : "request_response: unexpected outcome");
  return ok ? 0 : 1;
}
