// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The soak program behind scripts/soak (not a ctest test: it runs for
// minutes). One sender paces numbered datagrams at --rate per second to a
// receiver on 127.0.0.1 whose port an application thread reads; a churn
// thread creates, feeds and destroys a short-lived socket every 100 ms and
// posts application events, so that leaks per object show as growth.
//
// Every 10 s it prints one line: time, datagrams sent, delivered, lost in
// the kernel and at the port, RSS. At the end it checks and exits non-zero
// if any check fails:
//  - nothing lost that is not counted: sent == received + dropped_by_kernel
//    and received == delivered + dropped_by_port + truncated, and every
//    sequence number missing at the application is one of those counted
//    losses (no duplicates, no reordering from one sender on loopback);
//  - memory flat: RSS at the end is within --rss-slack-mib of RSS after the
//    warm-up (the first fifth of the run, at least 10 s).
//
// Only 127.0.0.1 is used. Every loop is bounded by the run time.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ro/ro.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  double seconds = 600;
  double rate = 50'000;
  std::size_t size = 64;
  double rss_slack_mib = 16;
};

void Usage() {
  std::fputs(
      "usage: rodatagram_soak [--seconds N] [--rate DATAGRAMS_PER_S] [--size BYTES]\n"
      "                       [--rss-slack-mib MIB]\n",
      stderr);
}

bool ParseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const double value = std::strtod(argv[++i], nullptr);
    if (!(value > 0)) return false;
    if (arg == "--seconds") {
      o.seconds = value;
    } else if (arg == "--rate") {
      o.rate = value;
    } else if (arg == "--size") {
      o.size = std::clamp<std::size_t>(static_cast<std::size_t>(value), 16, 65'507);
    } else if (arg == "--rss-slack-mib") {
      o.rss_slack_mib = value;
    } else {
      return false;
    }
  }
  return true;
}

double RssMib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

void PutSequence(std::string& payload, std::uint64_t n) {
  std::memcpy(payload.data(), &n, sizeof n);
}

std::uint64_t GetSequence(std::string_view payload) {
  std::uint64_t n = 0;
  if (payload.size() >= sizeof n) std::memcpy(&n, payload.data(), sizeof n);
  return n;
}

class Note final : public ro::Event {
 public:
  [[nodiscard]] std::string_view TypeName() const override { return "soak.Note"; }
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    Usage();
    return 2;
  }
  const auto run_time =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  const auto warm_up = std::max<Clock::duration>(run_time / 5, 10s);
  std::printf("soak: %.0f s at %.0f datagrams/s of %zu bytes on 127.0.0.1\n", options.seconds,
              options.rate, options.size);

  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  (void)receiver.SetReceiveBufferSize(4 << 20);
  if (!receiver.BindToLocalAddress("127.0.0.1", 0)) {
    std::fprintf(stderr, "soak: %s\n", receiver.GetFailureReason().c_str());
    return 1;
  }
  const int target = receiver.GetLocalPort();

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> send_failures{0};
  std::atomic<std::uint64_t> got{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> out_of_order{0};
  std::atomic<std::uint64_t> notes{0};
  std::atomic<std::uint64_t> churned{0};

  // The application: reads every event; checks the sequence.
  std::thread reader([&] {
    std::uint64_t next = 0;
    while (!stop) {
      const ro::Message msg = port.WaitMessage(100);
      if (msg == nullptr) continue;
      const auto* event = msg->As<ro::DatagramEvent>();
      if (event == nullptr) {
        ++notes;
        continue;
      }
      const std::uint64_t n = GetSequence(event->GetPayload());
      if (n == UINT64_MAX) {  // the final probe
        ++got;
        continue;
      }
      if (n < next) {
        ++out_of_order;
      } else {
        gaps += n - next;
        next = n + 1;
      }
      ++got;
    }
  });

  // The sender: paced in 1 ms steps.
  std::thread sender([&] {
    ro::DatagramSocket socket;
    std::string payload(options.size, 'p');
    const auto start = Clock::now();
    const auto end = start + run_time;
    std::uint64_t n = 0;
    while (Clock::now() < end) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const auto due = static_cast<std::uint64_t>(elapsed * options.rate);
      for (; n < due; ++n) {
        PutSequence(payload, n);
        if (socket.SendTo("127.0.0.1", target, payload) == 0) {
          ++sent;
        } else {
          ++send_failures;  // not sent: its number is a gap nobody counts
          break;
        }
      }
      std::this_thread::sleep_for(1ms);
    }
  });

  // Churn: short-lived sockets and application events, for leaks.
  std::thread churn([&] {
    ro::DatagramSocket feeder;
    while (!stop) {
      ro::MessagePort own;
      ro::DatagramSocket brief;
      brief.SetPort(own);
      brief.SetUserData(std::string("brief"));
      if (brief.BindToLocalAddress("127.0.0.1", 0)) {
        for (int i = 0; i < 20; ++i) (void)feeder.SendTo("127.0.0.1", brief.GetLocalPort(), "x");
        (void)own.WaitMessage(10);
      }
      (void)port.PostMessage(std::make_shared<Note>());
      ++churned;
      std::this_thread::sleep_for(100ms);
    }
  });

  const auto start = Clock::now();
  double rss_after_warm_up = -1;
  double rss_max = 0;
  auto next_report = start + 10s;
  while (Clock::now() - start < run_time) {
    std::this_thread::sleep_for(200ms);
    const double rss = RssMib();
    rss_max = std::max(rss_max, rss);
    if (rss_after_warm_up < 0 && Clock::now() - start >= warm_up) rss_after_warm_up = rss;
    if (Clock::now() >= next_report) {
      next_report += 10s;
      const ro::SocketStatistics s = receiver.GetStatistics();
      std::printf("soak: %4.0f s  sent %" PRIu64 "  delivered %" PRIu64 "  kernel drops %" PRIu64
                  "  port drops %" PRIu64 "  queued %zu  RSS %.1f MiB\n",
                  std::chrono::duration<double>(Clock::now() - start).count(), sent.load(),
                  s.delivered, s.dropped_by_kernel, s.dropped_by_port, port.GetQueueLength(), rss);
      std::fflush(stdout);
    }
  }
  sender.join();

  // Let the receiver and the reader catch up, then probe for the kernel's
  // final counts (the reactor has read everything queued before it).
  auto quiet_since = Clock::now();
  std::uint64_t last = receiver.GetStatistics().received;
  for (const auto deadline = Clock::now() + 30s; Clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    const std::uint64_t now = receiver.GetStatistics().received;
    if (now != last) {
      last = now;
      quiet_since = Clock::now();
    } else if (Clock::now() - quiet_since > 500ms && port.GetQueueLength() == 0) {
      break;
    }
  }
  {
    ro::DatagramSocket prober;
    std::string probe(options.size, 'p');
    PutSequence(probe, UINT64_MAX);  // beyond any sequence: not a gap
    if (prober.SendTo("127.0.0.1", target, probe) == 0) ++sent;
  }
  const std::uint64_t total_sent = sent.load();
  ro::SocketStatistics s{};
  for (const auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
    s = receiver.GetStatistics();
    if (s.received + s.dropped_by_kernel >= total_sent && port.GetQueueLength() == 0 &&
        got.load() >= s.delivered) {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  reader.join();
  churn.join();
  s = receiver.GetStatistics();
  const ro::PortStatistics p = port.GetStatistics();
  const double rss_end = RssMib();

  bool ok = true;
  const auto check = [&ok](bool condition, const std::string& what) {
    std::printf("soak: %s %s\n", condition ? "ok  " : "FAIL", what.c_str());
    ok = ok && condition;
  };
  check(send_failures.load() == 0,
        "every SendTo succeeded (" + std::to_string(send_failures.load()) + " failed)");
  check(total_sent == s.received + s.dropped_by_kernel,
        "sent " + std::to_string(total_sent) + " == received " + std::to_string(s.received) +
            " + dropped_by_kernel " + std::to_string(s.dropped_by_kernel));
  check(s.received == s.delivered + s.dropped_by_port + s.truncated,
        "received == delivered " + std::to_string(s.delivered) + " + dropped_by_port " +
            std::to_string(s.dropped_by_port) + " + truncated " + std::to_string(s.truncated));
  check(got.load() == s.delivered,
        "the application read every delivered datagram (" + std::to_string(got.load()) + ")");
  check(out_of_order.load() == 0,
        "no datagram out of order or repeated (" + std::to_string(out_of_order.load()) + ")");
  check(gaps.load() == s.dropped_by_kernel + s.dropped_by_port + s.truncated,
        "every missing sequence number is a counted loss (" + std::to_string(gaps.load()) +
            " missing)");
  check(p.posted == p.delivered + p.queued, "port: posted == delivered + queued");
  check(rss_after_warm_up > 0 && rss_end <= rss_after_warm_up + options.rss_slack_mib,
        "RSS flat: " + std::to_string(rss_after_warm_up) + " MiB after the warm-up, " +
            std::to_string(rss_end) + " MiB at the end (max " + std::to_string(rss_max) +
            ", slack " + std::to_string(options.rss_slack_mib) + ")");
  std::printf("soak: %" PRIu64 " short-lived sockets, %" PRIu64 " application events\n",
              churned.load(), notes.load());
  std::printf("soak: %s\n", ok ? "PASSED" : "FAILED");
  return ok ? 0 : 1;
}
