// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Tests of ro::MessagePort (roMessagePort) and the global ro::Wait():
// timeouts, non-blocking Get/Peek, application events, FIFO order across
// sources, the bounded queue, statistics, handle semantics, concurrency and
// lifetime.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <ostream>
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

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// An application-defined event, as a BrightScript script would PostMessage
// any object to its port.
struct AppEvent final : ro::Event {
  explicit AppEvent(int value) : n(value) {}
  [[nodiscard]] std::string_view TypeName() const override { return "appEvent"; }
  int n;
};

// A second application event type, to check that As<T>() tells them apart.
struct OtherEvent final : ro::Event {
  [[nodiscard]] std::string_view TypeName() const override { return "otherEvent"; }
};

// Posted only to unblock a waiter that a failing test left blocked.
struct WakeEvent final : ro::Event {
  [[nodiscard]] std::string_view TypeName() const override { return "wakeEvent"; }
};

ro::Message MakeApp(int n) { return std::make_shared<const AppEvent>(n); }

// The AppEvent number of `msg`, or -1 if it is not an AppEvent.
int AppNumber(const ro::Message& msg) {
  if (msg == nullptr) return -1;
  const auto* app = msg->As<AppEvent>();
  return app == nullptr ? -1 : app->n;
}

// Milliseconds since `start`.
long long ElapsedMs(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// Polls `condition` every millisecond until it holds or `limit` passes.
bool PollUntil(const std::function<bool()>& condition, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  const auto max_rounds = limit.count() + 1;
  for (long long round = 0; round <= max_rounds; ++round) {
    if (condition()) return true;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

// Runs `call(port)` on another thread so that a call which wrongly blocks
// cannot hang the test. If the call is still running when this object is
// destroyed, a WakeEvent is posted to unblock it; a thread that stays stuck
// even then is detached (it owns a copy of the port, so that is safe).
class AsyncCall {
 public:
  AsyncCall(const ro::MessagePort& port, std::function<ro::Message(const ro::MessagePort&)> call)
      : port_(port) {
    std::promise<ro::Message> promise;
    result_ = promise.get_future().share();
    thread_ = std::thread([port, call = std::move(call), promise = std::move(promise)]() mutable {
      promise.set_value(call(port));
    });
  }
  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;

  ~AsyncCall() {
    if (!ReadyWithin(0ms)) {
      port_.PostMessage(std::make_shared<const WakeEvent>());
      if (!ReadyWithin(5s)) {
        thread_.detach();
        return;
      }
    }
    thread_.join();
  }

  // True if the call returned within `limit`.
  bool ReadyWithin(milliseconds limit) const {
    return result_.wait_for(limit) == std::future_status::ready;
  }

  // What the call returned; only valid once ReadyWithin() said true.
  ro::Message Result() const { return result_.get(); }

 private:
  ro::MessagePort port_;
  std::shared_future<ro::Message> result_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// Wait semantics, run for both port.WaitMessage(ms) and ro::Wait(ms, port):
// the global function must behave exactly like the member.

struct WaitFunction {
  const char* name;
  ro::Message (*wait)(const ro::MessagePort& port, int timeout_ms);
};

// Names the parameter in gtest's failure messages.
void PrintTo(const WaitFunction& function, std::ostream* os) { *os << function.name; }

ro::Message ViaWaitMessage(const ro::MessagePort& port, int timeout_ms) {
  return port.WaitMessage(timeout_ms);
}

ro::Message ViaGlobalWait(const ro::MessagePort& port, int timeout_ms) {
  return ro::Wait(timeout_ms, port);
}

class WaitSemantics : public ::testing::TestWithParam<WaitFunction> {
 protected:
  static ro::Message WaitOn(const ro::MessagePort& port, int timeout_ms) {
    return GetParam().wait(port, timeout_ms);
  }
  static std::function<ro::Message(const ro::MessagePort&)> Waiter(int timeout_ms) {
    return [timeout_ms](const ro::MessagePort& port) { return WaitOn(port, timeout_ms); };
  }
};

TEST_P(WaitSemantics, ReturnsNullAfterTimeoutWhenEmpty) {
  ro::MessagePort port;
  const auto start = Clock::now();
  const ro::Message msg = WaitOn(port, 200);
  const long long elapsed = ElapsedMs(start);
  EXPECT_EQ(msg, nullptr);
  EXPECT_GE(elapsed, 190);
  EXPECT_LT(elapsed, 2000);
}

TEST_P(WaitSemantics, ReturnsQueuedMessageWithoutWaiting) {
  ro::MessagePort port;
  const ro::Message posted = MakeApp(1);
  ASSERT_TRUE(port.PostMessage(posted));
  const auto start = Clock::now();
  const ro::Message msg = WaitOn(port, 5000);
  EXPECT_LT(ElapsedMs(start), 2000);
  EXPECT_EQ(msg.get(), posted.get());
  EXPECT_EQ(port.GetQueueLength(), 0u);
}

TEST_P(WaitSemantics, TimedWaitWakesWhenAMessageIsPosted) {
  ro::MessagePort port;
  AsyncCall waiter(port, Waiter(10000));
  EXPECT_FALSE(waiter.ReadyWithin(100ms)) << "a 10 s wait returned early";
  const ro::Message posted = MakeApp(7);
  ASSERT_TRUE(port.PostMessage(posted));
  ASSERT_TRUE(waiter.ReadyWithin(2000ms)) << "the post did not wake the waiter";
  EXPECT_EQ(waiter.Result().get(), posted.get());
}

TEST_P(WaitSemantics, ZeroWaitsForeverUntilPosted) {
  ro::MessagePort port;
  AsyncCall waiter(port, Waiter(0));
  EXPECT_FALSE(waiter.ReadyWithin(300ms)) << "a wait with timeout 0 returned instead of waiting";
  const ro::Message posted = MakeApp(42);
  ASSERT_TRUE(port.PostMessage(posted));
  ASSERT_TRUE(waiter.ReadyWithin(5000ms)) << "the post did not wake a wait with timeout 0";
  const ro::Message received = waiter.Result();
  EXPECT_EQ(received.get(), posted.get());
  EXPECT_EQ(AppNumber(received), 42);
  EXPECT_EQ(port.GetQueueLength(), 0u);
}

TEST_P(WaitSemantics, NegativeTimeoutNeverBlocksWhenEmpty) {
  ro::MessagePort port;
  for (const int timeout : {-1, -5000}) {
    AsyncCall call(port, Waiter(timeout));
    ASSERT_TRUE(call.ReadyWithin(1000ms)) << "a wait with timeout " << timeout << " blocked";
    EXPECT_EQ(call.Result(), nullptr) << "timeout " << timeout;
  }
}

TEST_P(WaitSemantics, NegativeTimeoutReturnsTheHead) {
  ro::MessagePort port;
  const ro::Message first = MakeApp(1);
  const ro::Message second = MakeApp(2);
  ASSERT_TRUE(port.PostMessage(first));
  ASSERT_TRUE(port.PostMessage(second));

  AsyncCall call(port, Waiter(-1));
  ASSERT_TRUE(call.ReadyWithin(1000ms)) << "a wait with a negative timeout blocked";
  EXPECT_EQ(call.Result().get(), first.get());
  EXPECT_EQ(port.GetQueueLength(), 1u);
  EXPECT_EQ(WaitOn(port, -1).get(), second.get());
  EXPECT_EQ(port.GetQueueLength(), 0u);
}

std::string WaitFunctionName(const ::testing::TestParamInfo<WaitFunction>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(MessagePort, WaitSemantics,
                         ::testing::Values(WaitFunction{"WaitMessage", &ViaWaitMessage},
                                           WaitFunction{"GlobalWait", &ViaGlobalWait}),
                         &WaitFunctionName);

// ---------------------------------------------------------------------------
// GetMessage / PeekMessage

TEST(MessagePort, GetMessageNeverBlocks) {
  ro::MessagePort port;
  AsyncCall call(port, [](const ro::MessagePort& p) { return p.GetMessage(); });
  ASSERT_TRUE(call.ReadyWithin(1000ms)) << "GetMessage() blocked on an empty port";
  EXPECT_EQ(call.Result(), nullptr);

  const ro::Message posted = MakeApp(3);
  ASSERT_TRUE(port.PostMessage(posted));
  EXPECT_EQ(port.GetMessage().get(), posted.get());
  EXPECT_EQ(port.GetMessage(), nullptr);
}

TEST(MessagePort, PeekDoesNotDequeue) {
  ro::MessagePort port;
  EXPECT_EQ(port.PeekMessage(), nullptr);

  const ro::Message first = MakeApp(1);
  const ro::Message second = MakeApp(2);
  ASSERT_TRUE(port.PostMessage(first));
  ASSERT_TRUE(port.PostMessage(second));
  EXPECT_EQ(port.GetQueueLength(), 2u);

  const ro::Message peeked = port.PeekMessage();
  EXPECT_EQ(peeked.get(), first.get());
  EXPECT_EQ(port.PeekMessage().get(), peeked.get());
  EXPECT_EQ(port.GetQueueLength(), 2u);

  EXPECT_EQ(port.GetMessage().get(), peeked.get());
  EXPECT_EQ(port.GetQueueLength(), 1u);

  EXPECT_EQ(port.PeekMessage().get(), second.get());
  EXPECT_EQ(port.GetQueueLength(), 1u);
  EXPECT_EQ(port.GetMessage().get(), second.get());
  EXPECT_EQ(port.GetQueueLength(), 0u);
  EXPECT_EQ(port.PeekMessage(), nullptr);
}

// ---------------------------------------------------------------------------
// Application events

TEST(MessagePort, ApplicationEventTypeAndDefaults) {
  const ro::Message msg = MakeApp(7);
  EXPECT_EQ(msg->TypeName(), "appEvent");

  const AppEvent* app = msg->As<AppEvent>();
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->n, 7);
  EXPECT_EQ(msg->As<OtherEvent>(), nullptr);
  EXPECT_EQ(msg->As<ro::DatagramEvent>(), nullptr);

  EXPECT_FALSE(msg->GetUserData().has_value());
  EXPECT_EQ(msg->GetSourceIdentity(), 0);
}

TEST(MessagePort, ApplicationEventRoundTripsUnchanged) {
  ro::MessagePort port;
  const ro::Message posted = MakeApp(9);
  ASSERT_TRUE(port.PostMessage(posted));
  ASSERT_TRUE(port.PostMessage(std::make_shared<const OtherEvent>()));

  const ro::Message first = port.GetMessage();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first.get(), posted.get());
  EXPECT_EQ(first->TypeName(), "appEvent");
  EXPECT_EQ(AppNumber(first), 9);

  const ro::Message second = port.GetMessage();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->TypeName(), "otherEvent");
  EXPECT_EQ(second->As<AppEvent>(), nullptr);
  EXPECT_NE(second->As<OtherEvent>(), nullptr);
}

// ---------------------------------------------------------------------------
// FIFO across sources

// "app:N" for an AppEvent, "dgram:payload" for a DatagramEvent.
std::string Describe(const ro::Message& msg) {
  if (msg == nullptr) return "null";
  if (const auto* app = msg->As<AppEvent>()) return "app:" + std::to_string(app->n);
  if (const auto* dgram = msg->As<ro::DatagramEvent>()) return "dgram:" + dgram->GetString();
  return "other:" + std::string(msg->TypeName());
}

TEST(MessagePort, FifoAcrossPostedEventsAndDatagrams) {
  constexpr int kRounds = 5;
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  const int receiver_port = receiver.GetLocalPort();
  ASSERT_GT(receiver_port, 0);

  ro::DatagramSocket sender;
  std::vector<std::string> expected;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(port.PostMessage(MakeApp(i)));
    expected.push_back("app:" + std::to_string(i));

    const std::string payload = "datagram-" + std::to_string(i);
    ASSERT_EQ(sender.SendTo("127.0.0.1", receiver_port, payload), 0) << sender.GetFailureReason();
    expected.push_back("dgram:" + payload);

    const std::size_t want = expected.size();
    ASSERT_TRUE(PollUntil([&] { return port.GetQueueLength() >= want; }, 5000ms))
        << "datagram " << i << " was not queued within 5 s";
    ASSERT_EQ(port.GetQueueLength(), want);
  }
  ASSERT_TRUE(port.PostMessage(MakeApp(kRounds)));
  expected.push_back("app:" + std::to_string(kRounds));

  std::vector<std::string> drained;
  std::vector<ro::Message> datagrams;
  for (std::size_t i = 0; i < expected.size() + 1; ++i) {
    ro::Message msg = port.GetMessage();
    if (msg == nullptr) break;
    drained.push_back(Describe(msg));
    if (msg->As<ro::DatagramEvent>() != nullptr) datagrams.push_back(std::move(msg));
  }
  EXPECT_EQ(drained, expected);

  ASSERT_EQ(datagrams.size(), static_cast<std::size_t>(kRounds));
  for (const ro::Message& msg : datagrams) {
    EXPECT_EQ(msg->TypeName(), "roDatagramEvent");
    const auto* dgram = msg->As<ro::DatagramEvent>();
    EXPECT_EQ(dgram->GetSourceHost(), "127.0.0.1");
    EXPECT_EQ(dgram->GetSourcePort(), sender.GetLocalPort());
    EXPECT_EQ(dgram->GetSourceIdentity(), receiver.GetIdentity());
    EXPECT_EQ(msg->As<AppEvent>(), nullptr);
  }
}

// ---------------------------------------------------------------------------
// PostMessage and the bounded queue

TEST(MessagePort, PostNullIsRefused) {
  ro::MessagePort port;
  EXPECT_FALSE(port.PostMessage(nullptr));
  EXPECT_EQ(port.GetQueueLength(), 0u);
  EXPECT_EQ(port.PeekMessage(), nullptr);
  EXPECT_EQ(port.GetMessage(), nullptr);
  const ro::PortStatistics stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.high_water, 0u);
}

TEST(MessagePort, MaxQueueLengthDropsNewest) {
  ro::MessagePort port;
  port.SetMaxQueueLength(3);
  const ro::Message first = MakeApp(1);
  EXPECT_TRUE(port.PostMessage(first));
  EXPECT_TRUE(port.PostMessage(MakeApp(2)));
  EXPECT_TRUE(port.PostMessage(MakeApp(3)));
  EXPECT_FALSE(port.PostMessage(MakeApp(4)));
  EXPECT_EQ(port.GetQueueLength(), 3u);

  ro::PortStatistics stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 3u);
  EXPECT_EQ(stats.dropped, 1u);
  EXPECT_EQ(stats.queued, 3u);

  EXPECT_EQ(port.GetMessage().get(), first.get()) << "the oldest event must stay at the head";
  EXPECT_TRUE(port.PostMessage(MakeApp(5)));
  EXPECT_FALSE(port.PostMessage(MakeApp(6)));

  stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 4u);
  EXPECT_EQ(stats.dropped, 2u);
  EXPECT_EQ(stats.queued, 3u);

  std::vector<int> drained;
  for (int i = 0; i < 10; ++i) {
    const ro::Message msg = port.GetMessage();
    if (msg == nullptr) break;
    drained.push_back(AppNumber(msg));
  }
  EXPECT_EQ(drained, (std::vector<int>{2, 3, 5}));
}

TEST(MessagePort, MaxQueueLengthZeroIsUnbounded) {
  ro::MessagePort port;
  port.SetMaxQueueLength(2);
  EXPECT_TRUE(port.PostMessage(MakeApp(0)));
  EXPECT_TRUE(port.PostMessage(MakeApp(1)));
  EXPECT_FALSE(port.PostMessage(MakeApp(2)));

  port.SetMaxQueueLength(0);
  constexpr int kMany = 1000;
  int accepted = 0;
  for (int i = 0; i < kMany; ++i) accepted += port.PostMessage(MakeApp(100 + i)) ? 1 : 0;
  EXPECT_EQ(accepted, kMany);
  EXPECT_EQ(port.GetQueueLength(), static_cast<std::size_t>(kMany + 2));
  EXPECT_EQ(port.GetStatistics().dropped, 1u);
}

// The memory budget (SetMaxQueueBytes): an application event is charged
// 128 bytes, a datagram its payload plus 128.
TEST(MessagePort, ADefaultMemoryBudgetExistsAndCanBeChangedAndRemoved) {
  ro::MessagePort port;
  EXPECT_EQ(port.SetMaxQueueBytes(3 * 128), std::size_t{64} << 20)
      << "a new port must start with the 64 MiB budget";
  for (int i = 0; i < 5; ++i) (void)port.PostMessage(MakeApp(i));
  ro::PortStatistics stats = port.GetStatistics();
  EXPECT_EQ(stats.queued, 3u);
  EXPECT_EQ(stats.queued_bytes, 3u * 128);
  EXPECT_EQ(stats.dropped, 2u);

  EXPECT_EQ(port.SetMaxQueueBytes(0), 3u * 128);  // removed: unbounded
  constexpr int kMany = 1000;
  int accepted = 0;
  for (int i = 0; i < kMany; ++i) accepted += port.PostMessage(MakeApp(10 + i)) ? 1 : 0;
  EXPECT_EQ(accepted, kMany);
  stats = port.GetStatistics();
  EXPECT_EQ(stats.queued, static_cast<std::size_t>(kMany + 3));
  EXPECT_EQ(stats.queued_bytes, static_cast<std::size_t>(kMany + 3) * 128);
  EXPECT_EQ(stats.dropped, 2u);

  // Lowering the budget keeps what is queued and refuses newcomers until
  // the queue is below it again.
  EXPECT_EQ(port.SetMaxQueueBytes(2 * 128), 0u);
  EXPECT_FALSE(port.PostMessage(MakeApp(-1)));
  while (port.GetQueueLength() > 1) (void)port.GetMessage();
  EXPECT_EQ(port.GetStatistics().queued_bytes, 128u);
  EXPECT_TRUE(port.PostMessage(MakeApp(-2)));
  EXPECT_FALSE(port.PostMessage(MakeApp(-3)));
  while (port.GetMessage() != nullptr) {
  }
  EXPECT_EQ(port.GetStatistics().queued_bytes, 0u) << "every pop must return its charge";
}

// ---------------------------------------------------------------------------
// Statistics

TEST(MessagePort, StatisticsCountExactly) {
  ro::MessagePort port;
  ro::PortStatistics stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 0u);
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.high_water, 0u);

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(port.PostMessage(MakeApp(i)));
  stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 5u);
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.queued, 5u);
  EXPECT_EQ(stats.high_water, 5u);

  // One event by each of the three ways to receive; a peek and empty-handed
  // calls are not deliveries.
  ASSERT_NE(port.GetMessage(), nullptr);
  ASSERT_NE(port.WaitMessage(1000), nullptr);
  ASSERT_NE(ro::Wait(1000, port), nullptr);
  ASSERT_NE(port.PeekMessage(), nullptr);
  stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 5u);
  EXPECT_EQ(stats.delivered, 3u);
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.high_water, 5u);

  ASSERT_TRUE(port.PostMessage(MakeApp(5)));
  for (int i = 0; i < 3; ++i) ASSERT_NE(port.GetMessage(), nullptr);
  EXPECT_EQ(port.GetMessage(), nullptr);
  EXPECT_EQ(port.WaitMessage(1), nullptr);
  EXPECT_EQ(port.WaitMessage(-1), nullptr);
  stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 6u);
  EXPECT_EQ(stats.delivered, 6u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.high_water, 5u);
  EXPECT_EQ(stats.dropped, 0u);

  for (int i = 0; i < 7; ++i) ASSERT_TRUE(port.PostMessage(MakeApp(10 + i)));
  stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, 13u);
  EXPECT_EQ(stats.delivered, 6u);
  EXPECT_EQ(stats.queued, 7u);
  EXPECT_EQ(stats.high_water, 7u);
}

// ---------------------------------------------------------------------------
// Handle semantics and identity

TEST(MessagePort, CopiesShareOneQueue) {
  ro::MessagePort original;
  ro::MessagePort copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(original == copy);
  EXPECT_FALSE(original != copy);

  const ro::Message posted = MakeApp(1);
  ASSERT_TRUE(copy.PostMessage(posted));
  EXPECT_EQ(original.GetQueueLength(), 1u);
  EXPECT_EQ(original.GetMessage().get(), posted.get());
  EXPECT_EQ(copy.GetQueueLength(), 0u);

  ro::MessagePort other;
  EXPECT_TRUE(original != other);
  EXPECT_FALSE(original == other);
  ASSERT_TRUE(other.PostMessage(MakeApp(2)));
  EXPECT_EQ(original.GetQueueLength(), 0u);

  other = original;  // copy assignment: now shares the original queue
  EXPECT_TRUE(other == original);
  ASSERT_TRUE(other.PostMessage(MakeApp(3)));
  EXPECT_EQ(AppNumber(original.GetMessage()), 3);

  {
    ro::MessagePort moved(std::move(copy));  // copy is moved-from from here on
    EXPECT_TRUE(moved == original);
    ASSERT_TRUE(moved.PostMessage(MakeApp(4)));
    EXPECT_EQ(AppNumber(original.GetMessage()), 4);

    ro::MessagePort assigned;
    assigned = std::move(moved);  // moved is moved-from from here on
    EXPECT_TRUE(assigned == original);
    ASSERT_TRUE(assigned.PostMessage(MakeApp(5)));
    EXPECT_EQ(AppNumber(original.GetMessage()), 5);
  }  // the moved-from handles are destroyed here and must not crash
}

TEST(MessagePort, IdentityIsNonZeroUniqueAndSharedByCopies) {
  ro::MessagePort first;
  ro::MessagePort second;
  EXPECT_NE(first.GetIdentity(), 0);
  EXPECT_NE(second.GetIdentity(), 0);
  EXPECT_NE(first.GetIdentity(), second.GetIdentity());

  const ro::MessagePort copy = first;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.GetIdentity(), first.GetIdentity());
  ro::MessagePort assigned;
  assigned = second;
  EXPECT_EQ(assigned.GetIdentity(), second.GetIdentity());
}

// ---------------------------------------------------------------------------
// Concurrency

TEST(MessagePort, ManyProducersOneConsumerKeepsPerProducerOrder) {
  constexpr int kProducers = 8;
  constexpr int kPerProducer = 10000;
  constexpr int kTotal = kProducers * kPerProducer;
  ro::MessagePort port;

  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  std::vector<std::thread> producers;
  std::atomic<int> refused{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([port, started, p, &refused] {
      started.wait();
      for (int seq = 0; seq < kPerProducer; ++seq) {
        if (!port.PostMessage(MakeApp(p * kPerProducer + seq))) ++refused;
      }
    });
  }
  go.set_value();

  std::vector<int> next(kProducers, 0);
  int received = 0;
  int errors = 0;
  std::string first_error;
  const auto deadline = Clock::now() + 120s;
  while (received < kTotal && Clock::now() < deadline) {
    const ro::Message msg = port.WaitMessage(5000);
    if (msg == nullptr) break;  // nothing for 5 s: producers are done or stuck
    ++received;
    const int n = AppNumber(msg);
    const int producer = n / kPerProducer;
    const int seq = n % kPerProducer;
    if (n < 0 || producer >= kProducers || seq != next[static_cast<std::size_t>(producer)]) {
      if (errors++ == 0) {
        first_error =
            "event " + std::to_string(n) + " after " + std::to_string(received - 1) + " events";
      }
      continue;
    }
    ++next[static_cast<std::size_t>(producer)];
  }
  for (std::thread& t : producers) t.join();

  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(received, kTotal);
  EXPECT_EQ(errors, 0) << "first out-of-order or duplicate: " << first_error;
  for (int p = 0; p < kProducers; ++p) {
    EXPECT_EQ(next[static_cast<std::size_t>(p)], kPerProducer) << "producer " << p;
  }
  EXPECT_EQ(port.GetMessage(), nullptr);
  const ro::PortStatistics stats = port.GetStatistics();
  EXPECT_EQ(stats.posted, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(stats.delivered, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(stats.queued, 0u);
}

TEST(MessagePort, SeveralConsumersReceiveEachMessageOnce) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  constexpr int kTotal = kProducers * kPerProducer;
  constexpr int kConsumers = 4;
  ro::MessagePort port;

  std::vector<std::atomic<int>> seen(kTotal);
  std::atomic<int> consumed{0};
  std::atomic<int> foreign{0};
  const auto deadline = Clock::now() + 60s;

  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([port, &seen, &consumed, &foreign, deadline] {
      while (consumed.load() < kTotal && Clock::now() < deadline) {
        const ro::Message msg = port.WaitMessage(200);
        if (msg == nullptr) continue;
        const int n = AppNumber(msg);
        if (n < 0 || n >= kTotal) {
          ++foreign;
        } else {
          ++seen[static_cast<std::size_t>(n)];
        }
        ++consumed;
      }
    });
  }

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([port, p] {
      for (int seq = 0; seq < kPerProducer; ++seq)
        port.PostMessage(MakeApp(p * kPerProducer + seq));
    });
  }
  for (std::thread& t : producers) t.join();
  for (std::thread& t : consumers) t.join();

  EXPECT_EQ(consumed.load(), kTotal);
  EXPECT_EQ(foreign.load(), 0);
  int missing = 0;
  int duplicated = 0;
  for (const std::atomic<int>& count : seen) {
    if (count.load() == 0) ++missing;
    if (count.load() > 1) ++duplicated;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(port.GetQueueLength(), 0u);
}

// ---------------------------------------------------------------------------
// Lifetime

TEST(MessagePort, EventsOutliveThePort) {
  ro::Message kept;
  std::weak_ptr<const ro::Event> left_in_queue;
  {
    ro::MessagePort port;
    const ro::MessagePort copy = port;  // NOLINT(performance-unnecessary-copy-initialization)
    ASSERT_TRUE(port.PostMessage(MakeApp(1)));
    {
      ro::Message abandoned = MakeApp(2);
      left_in_queue = abandoned;
      ASSERT_TRUE(copy.PostMessage(std::move(abandoned)));
    }
    kept = copy.GetMessage();
  }  // last handle gone

  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->TypeName(), "appEvent");
  EXPECT_EQ(AppNumber(kept), 1);
  EXPECT_TRUE(left_in_queue.expired()) << "the queue outlived its last handle";
}

TEST(MessagePort, DatagramEventOutlivesPortAndSocket) {
  ro::Message kept;
  int receiver_identity = 0;
  {
    ro::MessagePort port;
    ro::DatagramSocket receiver;
    receiver.SetPort(port);
    ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
    receiver_identity = receiver.GetIdentity();
    ro::DatagramSocket sender;
    ASSERT_EQ(sender.SendTo("127.0.0.1", receiver.GetLocalPort(), "still here"), 0)
        << sender.GetFailureReason();
    kept = port.WaitMessage(5000);
  }

  ASSERT_NE(kept, nullptr) << "no datagram within 5 s";
  const auto* dgram = kept->As<ro::DatagramEvent>();
  ASSERT_NE(dgram, nullptr);
  EXPECT_EQ(dgram->GetString(), "still here");
  EXPECT_EQ(dgram->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(dgram->GetSourceIdentity(), receiver_identity);
}

TEST(MessagePort, SocketDropsDatagramsWhenThePortIsGone) {
  constexpr int kDatagrams = 10;
  ro::DatagramSocket receiver;
  {
    ro::MessagePort port;
    receiver.SetPort(port);
    ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  }  // last handle gone; the socket still points at the port
  const int receiver_port = receiver.GetLocalPort();
  ASSERT_GT(receiver_port, 0);

  ro::DatagramSocket sender;
  // A drain that started before the last handle went away holds the port
  // until it returns, and delivers what arrives meanwhile (seen under
  // qemu-user, where the socket's first drain runs late). One probe, read
  // and settled first, outlasts that drain; every later drain finds the
  // port gone.
  ASSERT_EQ(sender.SendTo("127.0.0.1", receiver_port, "probe"), 0) << sender.GetFailureReason();
  ASSERT_TRUE(PollUntil([&] { return receiver.GetStatistics().received >= 1; }, 5000ms));
  std::this_thread::sleep_for(50ms);
  const ro::SocketStatistics before = receiver.GetStatistics();
  for (int i = 0; i < kDatagrams; ++i) {
    ASSERT_EQ(sender.SendTo("127.0.0.1", receiver_port, "orphan-" + std::to_string(i)), 0)
        << sender.GetFailureReason();
  }
  const std::uint64_t expected = before.received + kDatagrams;
  const bool all_read =
      PollUntil([&] { return receiver.GetStatistics().received >= expected; }, 5000ms);

  const ro::SocketStatistics stats = receiver.GetStatistics();
  EXPECT_TRUE(all_read) << "received " << stats.received - before.received << " of " << kDatagrams
                        << " in 5 s";
  EXPECT_EQ(stats.received, expected);
  EXPECT_EQ(stats.dropped_by_port - before.dropped_by_port, static_cast<std::uint64_t>(kDatagrams));
  EXPECT_EQ(stats.delivered, before.delivered);
}

}  // namespace
