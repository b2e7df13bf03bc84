// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Mutexes that Clang's thread-safety analysis understands. libstdc++'s
// std::mutex carries no capability attributes, so the analysis cannot see
// it; these thin wrappers let `-Wthread-safety` check that every field
// marked RO_GUARDED_BY is touched only with its mutex held. Under GCC the
// attributes vanish and the wrappers cost nothing.

#ifndef RO_SRC_MUTEX_HPP_
#define RO_SRC_MUTEX_HPP_

#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#  define RO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#  define RO_THREAD_ANNOTATION(x)
#endif

#define RO_CAPABILITY(x) RO_THREAD_ANNOTATION(capability(x))
#define RO_SCOPED_CAPABILITY RO_THREAD_ANNOTATION(scoped_lockable)
#define RO_GUARDED_BY(x) RO_THREAD_ANNOTATION(guarded_by(x))
#define RO_PT_GUARDED_BY(x) RO_THREAD_ANNOTATION(pt_guarded_by(x))
#define RO_REQUIRES(...) RO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define RO_REQUIRES_SHARED(...) RO_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define RO_ACQUIRE(...) RO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RO_ACQUIRE_SHARED(...) RO_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RO_RELEASE(...) RO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RO_RELEASE_SHARED(...) RO_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RO_EXCLUDES(...) RO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define RO_NO_THREAD_SAFETY_ANALYSIS RO_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace ro::detail {

class RO_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() RO_ACQUIRE() { mutex_.lock(); }
  void unlock() RO_RELEASE() { mutex_.unlock(); }

  /// For condition variables, which need the std::mutex itself.
  std::mutex& Native() noexcept { return mutex_; }

 private:
  std::mutex mutex_;
};

/// A reader/writer mutex: many readers, or one writer.
class RO_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() RO_ACQUIRE() { mutex_.lock(); }
  void unlock() RO_RELEASE() { mutex_.unlock(); }
  void lock_shared() RO_ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlock_shared() RO_RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

/// Holds a Mutex (or a SharedMutex exclusively) for its scope.
template <class M>
class RO_SCOPED_CAPABILITY BasicLock {
 public:
  explicit BasicLock(M& mutex) RO_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~BasicLock() RO_RELEASE() { mutex_.unlock(); }
  BasicLock(const BasicLock&) = delete;
  BasicLock& operator=(const BasicLock&) = delete;

 private:
  M& mutex_;
};

using MutexLock = BasicLock<Mutex>;
using WriterLock = BasicLock<SharedMutex>;

/// Holds a SharedMutex shared for its scope.
class RO_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mutex) RO_ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.lock_shared();
  }
  ~ReaderLock() RO_RELEASE() { mutex_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mutex_;
};

/// A Mutex held for a scope that may sleep on a condition variable (which
/// releases and re-takes it inside wait(): invisible to the analysis, and
/// harmless for it, since the mutex is held again when wait() returns).
class RO_SCOPED_CAPABILITY WaitLock {
 public:
  explicit WaitLock(Mutex& mutex) RO_ACQUIRE(mutex) : lock_(mutex.Native()) {}
  ~WaitLock() RO_RELEASE() = default;
  WaitLock(const WaitLock&) = delete;
  WaitLock& operator=(const WaitLock&) = delete;

  std::unique_lock<std::mutex>& Native() noexcept { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace ro::detail

#endif  // RO_SRC_MUTEX_HPP_
