// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "object_core.hpp"

#include <algorithm>
#include <atomic>
#include <utility>

namespace ro::detail {
namespace {

// Failures kept per object: one per thread that failed, the oldest thread's
// forgotten first. Bounded so that a thread pool cannot grow an object.
constexpr std::size_t kThreadsRemembered = 8;

}  // namespace

int NextIdentity() noexcept {
  static std::atomic<int> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void ObjectCore::SetUserData(UserData data) {
  auto shared = data.has_value() ? std::make_shared<const UserData>(std::move(data)) : nullptr;
  MutexLock lock(user_data_mutex_);
  user_data_ = std::move(shared);
}

UserData ObjectCore::GetUserData() const {
  MutexLock lock(user_data_mutex_);
  return user_data_ ? *user_data_ : UserData{};
}

std::shared_ptr<const UserData> ObjectCore::SharedUserData() const {
  MutexLock lock(user_data_mutex_);
  return user_data_;
}

int ObjectCore::Record(const Status& status) {
  if (status.ok()) return 0;
  const auto self = std::this_thread::get_id();
  MutexLock lock(failure_mutex_);
  const auto mine = std::find_if(failures_.begin(), failures_.end(),
                                 [&](const Failure& f) { return f.thread == self; });
  if (mine != failures_.end()) {
    failures_.erase(mine);
  } else if (failures_.size() == kThreadsRemembered) {
    failures_.erase(failures_.begin());
  }
  failures_.push_back({self, status.code(), status.reason()});
  return status.code();
}

const ObjectCore::Failure* ObjectCore::Latest() const {
  const auto self = std::this_thread::get_id();
  for (auto it = failures_.rbegin(); it != failures_.rend(); ++it) {
    if (it->thread == self) return &*it;
  }
  return failures_.empty() ? nullptr : &failures_.back();
}

std::string ObjectCore::FailureReason() const {
  MutexLock lock(failure_mutex_);
  const Failure* f = Latest();
  return f != nullptr ? f->reason : std::string();
}

int ObjectCore::FailureCode() const {
  MutexLock lock(failure_mutex_);
  const Failure* f = Latest();
  return f != nullptr ? f->code : 0;
}

}  // namespace ro::detail
