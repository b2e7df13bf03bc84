// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Builds DatagramEvents with their payload in the same allocation as the
// event and its shared_ptr control block: one malloc per datagram on the
// receive path, and a small per-event overhead while it is queued.

#ifndef RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_
#define RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include <ro/datagram_event.hpp>

namespace ro::detail {

struct DatagramEventFactory {
  /// Allocates `trailing_bytes` more than the shared_ptr control block needs
  /// and reports where they start.
  template <class T>
  struct TrailingAllocator {
    using value_type = T;

    explicit TrailingAllocator(std::size_t extra, char** out) noexcept
        : trailing_bytes(extra), trailing(out) {}
    template <class U>
    TrailingAllocator(
        const TrailingAllocator<U>& other) noexcept  // NOLINT(google-explicit-constructor)
        : trailing_bytes(other.trailing_bytes), trailing(other.trailing) {}

    T* allocate(std::size_t n) {
      char* block = static_cast<char*>(::operator new(sizeof(T) * n + trailing_bytes));
      if (trailing != nullptr) *trailing = block + sizeof(T) * n;
      return reinterpret_cast<T*>(block);
    }
    void deallocate(T* block, std::size_t /*n*/) noexcept { ::operator delete(block); }

    // DatagramEvent's constructor is private to this factory; construct here.
    template <class U, class... Args>
    void construct(U* where, Args&&... args) {
      ::new (static_cast<void*>(where)) U(std::forward<Args>(args)...);
    }
    template <class U>
    void destroy(U* what) noexcept {
      what->~U();
    }

    template <class U>
    bool operator==(const TrailingAllocator<U>& other) const noexcept {
      return trailing_bytes == other.trailing_bytes;
    }
    template <class U>
    bool operator!=(const TrailingAllocator<U>& other) const noexcept {
      return !(*this == other);
    }

    std::size_t trailing_bytes;
    char** trailing;
  };

  static std::shared_ptr<DatagramEvent> Make(const char* payload, std::size_t size,
                                             const DatagramAddresses& addresses,
                                             const std::shared_ptr<const UserData>& user_data,
                                             int identity) {
    char* storage = nullptr;
    auto event =
        std::allocate_shared<DatagramEvent>(TrailingAllocator<DatagramEvent>(size, &storage));
    if (size > 0) std::memcpy(storage, payload, size);
    event->payload_ = storage;
    event->size_ = static_cast<std::uint32_t>(size);
    event->identity_ = identity;
    event->addresses_ = addresses;
    event->user_data_ = user_data;
    return event;
  }
};

}  // namespace ro::detail

#endif  // RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_
