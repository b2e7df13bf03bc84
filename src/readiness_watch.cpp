// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "readiness_watch.hpp"

#include <utility>

namespace ro::detail {

ReadinessWatch::WaitOp::WaitOp() : reactor_op(std::error_code(), &Perform, &Complete) {}

// The reactor calls this when the descriptor is readable (and, on a wait
// started while an edge is pending, at once). The drain that the callback
// runs reads until the socket is empty, so the descriptor is "exhausted":
// the reactor clears its speculative flag and the next wait is queued
// without an epoll_ctl. An edge before that wait sets the flag again.
asio::detail::reactor_op::status ReadinessWatch::WaitOp::Perform(asio::detail::reactor_op* /*op*/) {
  return done_and_exhausted;
}

// `owner` is null when the io_context is destroyed with the wait pending:
// only the keep-alive is dropped. The keep-alive is moved out first, since
// dropping it may destroy the watch that holds this operation.
void ReadinessWatch::WaitOp::Complete(void* owner, asio::detail::operation* base,
                                      const std::error_code& ec, std::size_t /*bytes*/) {
  auto* op = static_cast<WaitOp*>(base);
  const std::shared_ptr<void> keep_alive = std::move(op->keep_alive);
  if (owner != nullptr) op->callback(op->target, ec);
}

ReadinessWatch::ReadinessWatch(asio::io_context& io)
    : reactor_(asio::use_service<asio::detail::epoll_reactor>(io)) {
  reactor_.init_task();
}

ReadinessWatch::~ReadinessWatch() { Release(); }

int ReadinessWatch::Watch(int fd) {
  if (fd_ >= 0) return 0;
  if (const int rc = reactor_.register_descriptor(fd, data_); rc != 0) {
    reactor_.cleanup_descriptor_data(data_);
    return -rc;
  }
  fd_ = fd;
  return 0;
}

void ReadinessWatch::AsyncWait(std::shared_ptr<void> keep_alive, void* target, Callback callback) {
  op_.keep_alive = std::move(keep_alive);
  op_.target = target;
  op_.callback = callback;
  op_.ec_ = std::error_code();
  // Speculative: with the flag clear this only queues the wait (no
  // syscall); with an edge pending it completes at once.
  reactor_.start_op(asio::detail::epoll_reactor::read_op, fd_, data_, &op_, false, true);
}

void ReadinessWatch::Release() {
  if (fd_ < 0) return;
  // As reactive_descriptor_service::release: a pending wait is posted with
  // operation_aborted; the descriptor is not closed.
  reactor_.deregister_descriptor(fd_, data_, false);
  reactor_.cleanup_descriptor_data(data_);
  fd_ = -1;
}

}  // namespace ro::detail
