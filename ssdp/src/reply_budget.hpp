// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Reply budgets against SSDP amplification. A 52-byte `ST: ssdp:all` draws
// 3 + 2d + k replies of ~350 bytes each; unmetered, any host can make the
// device send 15x what it receives, at someone else's spoofed address. Each
// source gets a byte credit: a small burst allowance, plus `ratio` times the
// bytes of every request it sends, refilled slowly over time; all sources
// together share a global token bucket. A reply is sent only when both can
// pay for it.

#ifndef RO_SSDP_SRC_REPLY_BUDGET_HPP_
#define RO_SSDP_SRC_REPLY_BUDGET_HPP_

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include <ro/ssdp/responder.hpp>

namespace ro::ssdp::detail {

class ReplyBudget {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReplyBudget(const BudgetOptions& options);

  /// A request of `bytes` arrived from `source` (its address): credits it.
  void OnRequest(const std::string& source, std::size_t bytes, Clock::time_point now);

  /// Takes `bytes` from `source`'s credit and the global bucket; false (and
  /// nothing taken) when either cannot pay.
  bool TrySpend(const std::string& source, std::size_t bytes, Clock::time_point now);

 private:
  struct Account {
    double credit = 0;
    Clock::time_point last;
  };
  Account& AccountOf(const std::string& source, Clock::time_point now);
  void Refill(Account& account, Clock::time_point now) const;

  BudgetOptions options_;
  std::unordered_map<std::string, Account> accounts_;
  double global_tokens_ = 0;
  Clock::time_point global_last_;
};

}  // namespace ro::ssdp::detail

#endif  // RO_SSDP_SRC_REPLY_BUDGET_HPP_
