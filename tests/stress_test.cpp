// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Lifetime under stress. For a bounded time (RO_STRESS_SECONDS, default 15,
// at most 60), worker threads create, bind, join, send from, re-port, move,
// close and destroy sockets and replace their ports at random, while flood
// threads send to whatever is bound and a poster thread posts application
// events into the ports. Run under TSan and ASan (with LeakSanitizer) by
// scripts/test, it must show no crash, race or leak, and:
//
//  * no event after a socket's destructor (or Close) returned. Each worker
//    is the only reader of its ports, so the k-th event it dequeues from a
//    port is the k-th event that port ever accepted (the port's `posted`
//    counter counts accepted events under the queue's lock). When a socket
//    is destroyed the worker snapshots `posted` of each of its ports; an
//    event of that socket dequeued later at a position beyond the snapshot
//    was posted after the destructor returned. (Events queued before the
//    destructor returned are legitimately dequeued later.) The snapshot is
//    taken after the destructor returns, so the check never accuses falsely;
//    it may miss a late event that races with the snapshot, which repeated
//    runs catch.
//  * every event carries the user data of its socket (a per-socket tag)
//    and that socket's identity;
//  * every closed socket's statistics account for every datagram it read.
//
// It runs in a private network namespace (NETNS in tests/CMakeLists.txt), so
// the multicast joins (on lo only, TTL 0) never reach a real network. Every
// loop is bounded in count and time; every wait has a timeout.

#include <algorithm>
#include <any>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::Clock;
using ro_test::kLoopback;

constexpr const char* kGroup = "239.255.77.1";
constexpr int kWorkers = 3;
constexpr int kFlooders = 2;
constexpr std::size_t kMaxSocketsPerWorker = 6;
constexpr std::size_t kPortsPerWorker = 2;
constexpr std::uint64_t kMaxActionsPerWorker = 2'000'000;
constexpr std::uint64_t kMaxDatagramsPerFlooder = 5'000'000;

std::chrono::seconds Duration() {
  const char* text = std::getenv("RO_STRESS_SECONDS");
  const long seconds = text != nullptr ? std::strtol(text, nullptr, 10) : 15;
  return std::chrono::seconds(std::clamp(seconds, 1L, 60L));
}

// An application event, posted by the poster thread.
class Note final : public ro::Event {
 public:
  [[nodiscard]] std::string_view TypeName() const override { return "stress.Note"; }
};

// What the threads share: where to send, and ports to post into.
class Shared {
 public:
  void AddTarget(int port) {
    std::lock_guard<std::mutex> lock(mutex_);
    targets_.push_back(port);
  }
  void RemoveTarget(int port) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = std::find(targets_.begin(), targets_.end(), port);
    if (it != targets_.end()) targets_.erase(it);
  }
  std::optional<int> AnyTarget(std::mt19937& rng) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (targets_.empty()) return std::nullopt;
    return targets_[std::uniform_int_distribution<std::size_t>(0, targets_.size() - 1)(rng)];
  }

  void AddPort(const ro::MessagePort& port) {
    std::lock_guard<std::mutex> lock(mutex_);
    ports_.push_back(port);
  }
  void RemovePort(const ro::MessagePort& port) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = std::find(ports_.begin(), ports_.end(), port);
    if (it != ports_.end()) ports_.erase(it);
  }
  std::optional<ro::MessagePort> AnyPort(std::mt19937& rng) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ports_.empty()) return std::nullopt;
    return ports_[std::uniform_int_distribution<std::size_t>(0, ports_.size() - 1)(rng)];
  }

  void Fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failures_.size() < 20) failures_.push_back(what);
    ++failure_count_;
  }
  std::vector<std::string> Failures(std::uint64_t& count) {
    std::lock_guard<std::mutex> lock(mutex_);
    count = failure_count_;
    return failures_;
  }

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> destroyed{0};
  std::atomic<std::uint64_t> joined{0};
  std::atomic<std::uint64_t> ports_replaced{0};
  std::atomic<std::uint64_t> events_checked{0};
  std::atomic<std::uint64_t> events_after_destroy_checked{0};
  std::atomic<std::uint64_t> datagrams_flooded{0};
  std::atomic<std::uint64_t> notes_posted{0};

 private:
  std::mutex mutex_;
  std::vector<int> targets_;
  std::vector<ro::MessagePort> ports_;
  std::vector<std::string> failures_;
  std::uint64_t failure_count_ = 0;
};

// One worker: owns some sockets and ports, and is the only thread that
// dequeues from its ports.
class Worker {
 public:
  Worker(Shared& shared, unsigned seed) : shared_(shared), rng_(seed) {
    for (std::size_t i = 0; i < kPortsPerWorker; ++i) {
      ports_.emplace_back();
      shared_.AddPort(ports_.back().port);
    }
  }

  void Run(Clock::time_point deadline) {
    for (std::uint64_t n = 0; n < kMaxActionsPerWorker && Clock::now() < deadline; ++n) {
      const std::size_t dice = Pick(100);
      if (dice < 20) {
        Create();
      } else if (dice < 35) {
        Destroy();
      } else if (dice < 55) {
        Send();
      } else if (dice < 80) {
        Drain(200);
      } else if (dice < 85) {
        ReplacePort();
      } else if (dice < 90) {
        Repoint();
      } else if (dice < 95) {
        MoveAssign();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(Pick(500)));
      }
    }
    // Wind down: destroy everything, then read what is left.
    while (!sockets_.empty()) DestroyAt(sockets_.size() - 1);
    for (PortSlot& slot : ports_) {
      Drain(1'000'000, &slot);
      shared_.RemovePort(slot.port);
    }
  }

 private:
  struct Owned {
    ro::DatagramSocket socket;
    int tag = 0;
    int identity = 0;
    int local_port = 0;      // registered as a flood target when non-zero
    bool multicast = false;  // joined kGroup on lo; sends to it stay on lo
  };
  struct PortSlot {
    ro::MessagePort port;
    std::uint64_t dequeued = 0;
  };

  std::size_t Pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  void Create() {
    if (sockets_.size() >= kMaxSocketsPerWorker) return;
    Owned owned;
    owned.tag = next_tag_++;
    owned.identity = owned.socket.GetIdentity();
    tag_identity_[owned.tag] = owned.identity;
    owned.socket.SetUserData(owned.tag);
    // Port before or after binding: both orders must start deliveries.
    const bool port_first = Pick(2) == 0;
    if (port_first) owned.socket.SetPort(ports_[Pick(ports_.size())].port);
    switch (Pick(4)) {
      case 0:
        (void)owned.socket.BindToLocalAddress(kLoopback, 0);
        break;
      case 1:
        (void)owned.socket.SendTo(kLoopback, 9, "auto-bind");
        break;  // binds implicitly
      default:
        (void)owned.socket.BindToLocalPort(0);
        break;
    }
    if (Pick(3) == 0) {
      // Multicast on lo only, and nothing this socket sends to the group
      // leaves the host (TTL 0).
      if (owned.socket.SetMulticastTTL(0) && owned.socket.SetMulticastInterface("lo") &&
          owned.socket.JoinMulticastGroup(kGroup, "lo")) {
        owned.multicast = true;
        ++shared_.joined;
      }
    }
    if (!port_first) owned.socket.SetPort(ports_[Pick(ports_.size())].port);
    owned.local_port = owned.socket.GetLocalPort();
    if (owned.local_port > 0) shared_.AddTarget(owned.local_port);
    sockets_.push_back(std::move(owned));
    ++shared_.created;
  }

  void Destroy() {
    if (!sockets_.empty()) DestroyAt(Pick(sockets_.size()));
  }

  void DestroyAt(std::size_t index) {
    Owned owned = std::move(sockets_[index]);
    sockets_.erase(sockets_.begin() + static_cast<std::ptrdiff_t>(index));
    if (owned.local_port > 0) shared_.RemoveTarget(owned.local_port);
    const int tag = owned.tag;
    if (Pick(2) == 0) {
      // Close() stops deliveries before it returns, so the statistics are
      // final now and must account for every datagram read.
      owned.socket.Close();
      CheckStatistics(owned);
      Snapshot(tag);
    }
    { Owned gone = std::move(owned); }  // the destructor runs here
    Snapshot(tag);
    ++shared_.destroyed;
  }

  // Moves one socket onto another: the target's old socket is destroyed by
  // the assignment, the source object becomes empty.
  void MoveAssign() {
    if (sockets_.size() < 2) return;
    const std::size_t from = Pick(sockets_.size());
    std::size_t to = Pick(sockets_.size());
    if (to == from) to = (to + 1) % sockets_.size();
    const int replaced_tag = sockets_[to].tag;
    if (sockets_[to].local_port > 0) shared_.RemoveTarget(sockets_[to].local_port);
    sockets_[to].socket = std::move(sockets_[from].socket);
    Snapshot(replaced_tag);
    ++shared_.destroyed;
    sockets_[to].tag = sockets_[from].tag;
    sockets_[to].identity = sockets_[from].identity;
    sockets_[to].local_port = sockets_[from].local_port;
    sockets_[to].multicast = sockets_[from].multicast;
    // The moved-from object must fail cleanly.
    if (sockets_[from].socket.SendTo(kLoopback, 9, "x") != -EBADF) {
      shared_.Fail("a moved-from socket's SendTo did not fail with -EBADF");
    }
    sockets_.erase(sockets_.begin() + static_cast<std::ptrdiff_t>(from));
  }

  void Send() {
    if (sockets_.empty()) return;
    Owned& owned = sockets_[Pick(sockets_.size())];
    if (owned.multicast && Pick(4) == 0) {
      (void)owned.socket.SendTo(kGroup, std::max(owned.local_port, 1), "to the group");
    } else if (const auto target = shared_.AnyTarget(rng_)) {
      (void)owned.socket.SendTo(kLoopback, *target, "from a worker");
    }
  }

  // Points a socket at another of this worker's ports.
  void Repoint() {
    if (sockets_.empty()) return;
    sockets_[Pick(sockets_.size())].socket.SetPort(ports_[Pick(ports_.size())].port);
  }

  // Drops one port (sockets still pointing at it must cope) for a new one.
  void ReplacePort() {
    PortSlot& slot = ports_[Pick(ports_.size())];
    shared_.RemovePort(slot.port);
    slot = PortSlot{};
    shared_.AddPort(slot.port);
    ++shared_.ports_replaced;
  }

  void Drain(std::uint64_t limit, PortSlot* only = nullptr) {
    PortSlot& slot = only != nullptr ? *only : ports_[Pick(ports_.size())];
    for (std::uint64_t i = 0; i < limit; ++i) {
      const ro::Message msg = slot.port.GetMessage();
      if (msg == nullptr) return;
      ++slot.dequeued;
      const auto* event = msg->As<ro::DatagramEvent>();
      if (event == nullptr) continue;  // a Note
      Check(*event, slot);
    }
  }

  void Check(const ro::DatagramEvent& event, const PortSlot& slot) {
    ++shared_.events_checked;
    const ro::UserData data = event.GetUserData();
    const int* tag = std::any_cast<int>(&data);
    if (tag == nullptr) {
      shared_.Fail("an event without its socket's user data");
      return;
    }
    const auto identity = tag_identity_.find(*tag);
    if (identity == tag_identity_.end()) {
      shared_.Fail("an event with a tag from another worker's socket");
      return;
    }
    if (identity->second != event.GetSourceIdentity()) {
      shared_.Fail("an event whose user data and identity belong to different sockets");
    }
    const auto destroyed = snapshots_.find(*tag);
    if (destroyed == snapshots_.end()) return;
    const auto posted = destroyed->second.find(slot.port.GetIdentity());
    if (posted == destroyed->second.end()) return;
    ++shared_.events_after_destroy_checked;
    if (slot.dequeued > posted->second) {
      std::ostringstream what;
      what << "socket " << event.GetSourceIdentity() << " posted an event after its destructor "
           << "returned: position " << slot.dequeued << " in port " << slot.port.GetIdentity()
           << ", which had accepted " << posted->second << " events by then";
      shared_.Fail(what.str());
    }
  }

  // Records, for each port of this worker, how many events it had accepted
  // when the socket `tag` was gone (closed or destroyed, whichever came
  // first: the earliest snapshot is the strictest).
  void Snapshot(int tag) {
    auto& record = snapshots_[tag];
    for (const PortSlot& slot : ports_) {
      record.emplace(slot.port.GetIdentity(), slot.port.GetStatistics().posted);
    }
  }

  void CheckStatistics(const Owned& owned) {
    const ro::SocketStatistics s = owned.socket.GetStatistics();
    if (s.received != s.delivered + s.dropped_by_port + s.truncated) {
      std::ostringstream what;
      what << "closed socket " << owned.identity << ": received " << s.received << " != delivered "
           << s.delivered << " + dropped_by_port " << s.dropped_by_port << " + truncated "
           << s.truncated;
      shared_.Fail(what.str());
    }
  }

  Shared& shared_;
  std::mt19937 rng_;
  std::vector<Owned> sockets_;
  std::vector<PortSlot> ports_;
  int next_tag_ = 1;
  std::map<int, int> tag_identity_;
  std::map<int, std::map<int, std::uint64_t>> snapshots_;  // tag -> port -> posted
};

void Flood(Shared& shared, unsigned seed, Clock::time_point deadline) {
  std::mt19937 rng(seed);
  ro::DatagramSocket socket;
  (void)socket.SetMulticastTTL(0);
  (void)socket.SetMulticastInterface("lo");
  std::uint64_t sent = 0;
  while (sent < kMaxDatagramsPerFlooder && Clock::now() < deadline && !shared.stop) {
    const auto target = shared.AnyTarget(rng);
    if (!target) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    const bool group = rng() % 8 == 0;
    for (int i = 0; i < 32; ++i, ++sent) {
      (void)socket.SendTo(group ? kGroup : kLoopback, *target, "flood");
    }
    if (rng() % 4 == 0) std::this_thread::sleep_for(100us);
  }
  shared.datagrams_flooded += sent;
}

void Post(Shared& shared, unsigned seed, Clock::time_point deadline) {
  std::mt19937 rng(seed);
  for (std::uint64_t i = 0; i < 10'000'000 && Clock::now() < deadline && !shared.stop; ++i) {
    if (const auto port = shared.AnyPort(rng)) {
      if (port->PostMessage(std::make_shared<Note>())) ++shared.notes_posted;
    }
    std::this_thread::sleep_for(200us);
  }
}

TEST(Stress, RandomLifetimesUnderFloodsNeverDeliverAfterDestruction) {
  const auto duration = Duration();
  const auto start = Clock::now();
  const auto deadline = start + duration;
  Shared shared;
  {
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<Worker>> workers;
    const unsigned seed = std::random_device{}();
    RecordProperty("seed", std::to_string(seed));
    for (int i = 0; i < kWorkers; ++i) {
      workers.push_back(std::make_unique<Worker>(shared, seed + static_cast<unsigned>(i)));
    }
    for (int i = 0; i < kWorkers; ++i) {
      threads.emplace_back([&, i] { workers[static_cast<std::size_t>(i)]->Run(deadline); });
    }
    for (int i = 0; i < kFlooders; ++i) {
      threads.emplace_back(
          [&, i] { Flood(shared, seed + 100 + static_cast<unsigned>(i), deadline); });
    }
    threads.emplace_back([&] { Post(shared, seed + 200, deadline); });
    for (std::thread& t : threads) t.join();
  }
  const auto took = Clock::now() - start;

  std::uint64_t failure_count = 0;
  const std::vector<std::string> failures = shared.Failures(failure_count);
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  EXPECT_EQ(failure_count, 0U);

  // The run did what it is for.
  EXPECT_GT(shared.created.load(), 100U);
  EXPECT_EQ(shared.created.load(), shared.destroyed.load());
  EXPECT_GT(shared.events_checked.load(), 100U);
  EXPECT_GT(shared.events_after_destroy_checked.load(), 0U);
  EXPECT_GT(shared.joined.load(), 0U);
  EXPECT_GT(shared.ports_replaced.load(), 0U);
  EXPECT_GT(shared.datagrams_flooded.load(), 1000U);
  EXPECT_LT(took, duration + 30s) << "the wind-down took too long";

  RecordProperty("sockets", std::to_string(shared.created.load()));
  RecordProperty("events_checked", std::to_string(shared.events_checked.load()));
  RecordProperty("events_of_destroyed_sockets",
                 std::to_string(shared.events_after_destroy_checked.load()));
  RecordProperty("flooded", std::to_string(shared.datagrams_flooded.load()));
  RecordProperty("notes", std::to_string(shared.notes_posted.load()));
  std::printf(
      "stress: %llu sockets, %llu events checked (%llu of already destroyed sockets), "
      "%llu datagrams flooded, %llu notes, %llu joins, %llu ports replaced\n",
      static_cast<unsigned long long>(shared.created.load()),
      static_cast<unsigned long long>(shared.events_checked.load()),
      static_cast<unsigned long long>(shared.events_after_destroy_checked.load()),
      static_cast<unsigned long long>(shared.datagrams_flooded.load()),
      static_cast<unsigned long long>(shared.notes_posted.load()),
      static_cast<unsigned long long>(shared.joined.load()),
      static_cast<unsigned long long>(shared.ports_replaced.load()));
}

}  // namespace
