// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "reply_budget.hpp"

#include <algorithm>

namespace ro::ssdp::detail {
namespace {

double Seconds(ReplyBudget::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

ReplyBudget::ReplyBudget(const BudgetOptions& options)
    : options_(options),
      global_tokens_(static_cast<double>(options.global_burst_bytes)),
      global_last_(Clock::now()) {}

ReplyBudget::Account& ReplyBudget::AccountOf(const std::string& source, Clock::time_point now) {
  auto it = accounts_.find(source);
  if (it != accounts_.end()) {
    Refill(it->second, now);
    return it->second;
  }
  // Bounded table: when full, forget accounts idle long enough to be back
  // at the full allowance anyway, or failing that, all of them (the global
  // bucket still limits what a flood of new sources can draw).
  if (accounts_.size() >= options_.max_sources) {
    for (auto a = accounts_.begin(); a != accounts_.end();) {
      Refill(a->second, now);
      a = a->second.credit >= static_cast<double>(options_.per_source_burst_bytes)
              ? accounts_.erase(a)
              : std::next(a);
    }
    if (accounts_.size() >= options_.max_sources) accounts_.clear();
  }
  Account fresh;
  fresh.credit = static_cast<double>(options_.per_source_burst_bytes);
  fresh.last = now;
  return accounts_.emplace(source, fresh).first->second;
}

void ReplyBudget::Refill(Account& account, Clock::time_point now) const {
  const double burst = static_cast<double>(options_.per_source_burst_bytes);
  if (account.credit < burst) {
    account.credit = std::min(
        burst, account.credit + Seconds(now - account.last) *
                                    static_cast<double>(options_.per_source_bytes_per_second));
  }
  account.last = now;
}

void ReplyBudget::OnRequest(const std::string& source, std::size_t bytes, Clock::time_point now) {
  Account& account = AccountOf(source, now);
  // Earned credit may exceed the burst allowance by one request's worth, no
  // more: a long quiet flood of tiny searches cannot bank a big answer.
  const double earned = options_.ratio * static_cast<double>(bytes);
  account.credit = std::min(account.credit + earned,
                            static_cast<double>(options_.per_source_burst_bytes) + earned);
}

bool ReplyBudget::TrySpend(const std::string& source, std::size_t bytes, Clock::time_point now) {
  Account& account = AccountOf(source, now);
  const double burst = static_cast<double>(options_.global_burst_bytes);
  global_tokens_ =
      std::min(burst, global_tokens_ + Seconds(now - global_last_) *
                                           static_cast<double>(options_.global_bytes_per_second));
  global_last_ = now;
  const auto cost = static_cast<double>(bytes);
  if (account.credit < cost || global_tokens_ < cost) return false;
  account.credit -= cost;
  global_tokens_ -= cost;
  return true;
}

}  // namespace ro::ssdp::detail
