// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// What every ro object has beside its own job (BrightScript's ifIdentity,
// ifUserData and ifFailureReason): an identity, the application's user data
// and the failure of the application's last failed call. One implementation,
// used by sockets, legacy senders, hotplug watchers and timers.

#ifndef RO_SRC_OBJECT_CORE_HPP_
#define RO_SRC_OBJECT_CORE_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <ro/event.hpp>

#include "mutex.hpp"
#include "status.hpp"

namespace ro::detail {

/// A process-unique, non-zero identity for ro objects (ifIdentity).
int NextIdentity() noexcept;

class ObjectCore {
 public:
  ObjectCore() : identity_(NextIdentity()) {}
  ObjectCore(const ObjectCore&) = delete;
  ObjectCore& operator=(const ObjectCore&) = delete;

  [[nodiscard]] int Identity() const noexcept { return identity_; }

  void SetUserData(UserData data) RO_EXCLUDES(user_data_mutex_);
  [[nodiscard]] UserData GetUserData() const RO_EXCLUDES(user_data_mutex_);
  /// The user data as events carry it: shared, immutable, null when empty.
  [[nodiscard]] std::shared_ptr<const UserData> SharedUserData() const
      RO_EXCLUDES(user_data_mutex_);

  /// Records `status` if it is a failure; returns its code (0 on success).
  /// Only the public facade calls this, for the application's own calls.
  int Record(const Status& status) RO_EXCLUDES(failure_mutex_);
  /// Record() for the Boolean calls: true on success.
  bool RecordOk(const Status& status) RO_EXCLUDES(failure_mutex_) { return Record(status) == 0; }

  /// The last failure recorded by the calling thread on this object, like
  /// errno: threads that share an object do not see each other's failures.
  /// A thread that has none sees the object's most recent one.
  [[nodiscard]] std::string FailureReason() const RO_EXCLUDES(failure_mutex_);
  [[nodiscard]] int FailureCode() const RO_EXCLUDES(failure_mutex_);

 private:
  struct Failure {
    std::thread::id thread;
    int code = 0;
    std::string reason;
  };
  // The newest failure of the caller's thread, else the newest of all.
  const Failure* Latest() const RO_REQUIRES(failure_mutex_);

  const int identity_;

  mutable Mutex user_data_mutex_;
  std::shared_ptr<const UserData> user_data_ RO_GUARDED_BY(user_data_mutex_);

  mutable Mutex failure_mutex_;
  // Newest last; one entry per thread, a few threads at most.
  std::vector<Failure> failures_ RO_GUARDED_BY(failure_mutex_);
};

}  // namespace ro::detail

#endif  // RO_SRC_OBJECT_CORE_HPP_
