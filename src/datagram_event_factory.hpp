// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Builds the DatagramEvents of one receive batch in a single allocation:
// the events and their payloads sit side by side in one block, and every
// event's shared_ptr shares that block's control block (the aliasing
// constructor). A batch of 32 datagrams costs one malloc and one free
// instead of 32 of each, and the application thread reads memory that the
// reactor wrote contiguously.

#ifndef RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_
#define RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include <ro/datagram_event.hpp>

namespace ro::detail {

struct DatagramEventFactory {
  static constexpr std::size_t kAlign = alignof(DatagramEvent);

  // The control block's size need not be a multiple of the events'
  // alignment; the kAlign spare bytes allocated absorb the rounding.
  static char* Aligned(char* p) noexcept {
    const auto misalignment = reinterpret_cast<std::uintptr_t>(p) % kAlign;
    return misalignment == 0 ? p : p + (kAlign - misalignment);
  }

  // The memory budget of a queued event (docs/benchmarks.md: at most 128
  // bytes beside its payload) counts on this size on 64-bit targets.
  static_assert(sizeof(void*) != 8 || sizeof(DatagramEvent) == 72,
                "DatagramEvent grew: re-measure the memory per queued event");

  /// A block that owns up to `capacity` events and `payload_bytes` of
  /// payload, allocated together with its control block.
  class Block {
   public:
    /// `*trailing` holds where the spare bytes start: allocate_shared runs
    /// the allocator before this constructor.
    Block(char* const* trailing, std::size_t capacity,
          std::shared_ptr<const UserData> user_data) noexcept
        : events_(reinterpret_cast<DatagramEvent*>(Aligned(*trailing))),
          payload_(reinterpret_cast<char*>(events_ + capacity)),
          user_data_(std::move(user_data)) {}
    ~Block() {
      for (std::size_t i = 0; i < count_; ++i) events_[i].~DatagramEvent();
    }
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

    DatagramEvent* Add(const char* payload, std::size_t size) {
      auto* event = ::new (static_cast<void*>(events_ + count_)) DatagramEvent();
      ++count_;
      if (size > 0) std::memcpy(payload_, payload, size);
      event->payload_offset_ =
          static_cast<std::uint32_t>(payload_ - reinterpret_cast<const char*>(event));
      event->size_ = static_cast<std::uint32_t>(size);
      event->user_data_ = user_data_.get();
      payload_ += size;
      return event;
    }

   private:
    DatagramEvent* events_;
    char* payload_;
    std::size_t count_ = 0;
    // One reference for the whole batch: the events point at it.
    std::shared_ptr<const UserData> user_data_;
  };

  /// Allocates `trailing_bytes` more than the control block needs and
  /// reports where they start.
  template <class T>
  struct TrailingAllocator {
    using value_type = T;

    TrailingAllocator(std::size_t extra, char** out) noexcept
        : trailing_bytes(extra), trailing(out) {}
    template <class U>
    TrailingAllocator(const TrailingAllocator<U>& other) noexcept  // NOLINT: rebinding
        : trailing_bytes(other.trailing_bytes), trailing(other.trailing) {}

    T* allocate(std::size_t n) {
      char* block = static_cast<char*>(::operator new(sizeof(T) * n + trailing_bytes));
      if (trailing != nullptr) *trailing = block + sizeof(T) * n;
      return reinterpret_cast<T*>(block);
    }
    void deallocate(T* block, std::size_t /*n*/) noexcept { ::operator delete(block); }

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

  /// A block for `count` events carrying `payload_bytes` in all, whose
  /// events carry `user_data`.
  static std::shared_ptr<Block> MakeBlock(std::size_t count, std::size_t payload_bytes,
                                          std::shared_ptr<const UserData> user_data) {
    char* trailing = nullptr;
    return std::allocate_shared<Block>(
        TrailingAllocator<Block>(kAlign + count * sizeof(DatagramEvent) + payload_bytes, &trailing),
        &trailing, count, std::move(user_data));
  }

  /// What Block::Add() leaves out: the addresses (filled in place by the
  /// receive path) and the socket's identity.
  static DatagramAddresses& Addresses(DatagramEvent& event) noexcept { return event.addresses_; }
  static void SetIdentity(DatagramEvent& event, int identity) noexcept {
    event.identity_ = identity;
  }
};

}  // namespace ro::detail

#endif  // RO_SRC_DATAGRAM_EVENT_FACTORY_HPP_
