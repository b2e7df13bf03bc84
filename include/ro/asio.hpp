// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_ASIO_HPP_
#define RO_ASIO_HPP_

/// @file
/// Opt-in integration with an application's own `asio::io_context`
/// (*extension*). The only public header that includes Asio: include it only
/// if the application already runs an io_context, and build it against the
/// same standalone Asio headers as the library (Debian's libasio-dev).

#include <asio/io_context.hpp>

#include <ro/datagram_socket.hpp>
#include <ro/export.hpp>
#include <ro/message_port.hpp>
#include <ro/network_hotplug.hpp>

namespace ro {

/// A DatagramSocket whose receive path runs on `io` instead of the library's
/// reactor thread: its datagrams are read (and posted to its MessagePort)
/// only while the application runs `io`.
///
/// Run `io` from one thread at a time (the usual single-threaded loop), and
/// keep it alive longer than the socket. The watchdog of a port that such a
/// socket posts to runs on `io` too. After fork(), call
/// `io.notify_fork(asio::execution_context::fork_child)` in the child, as
/// Asio requires of every io_context. Everything else about the socket is
/// unchanged.
[[nodiscard]] RO_API DatagramSocket MakeDatagramSocket(asio::io_context& io);

/// A NetworkHotplug whose rtnetlink watch runs on `io`; see
/// MakeDatagramSocket().
[[nodiscard]] RO_API NetworkHotplug MakeNetworkHotplug(asio::io_context& io);

/// Waits like `port.WaitMessage(timeout_ms)` while running `io` on the
/// calling thread.
///
/// This is BrightScript's single-threaded `wait()` for sockets made with
/// MakeDatagramSocket(io): the waiting thread itself receives their
/// datagrams, without a library thread at all. (A plain ro::Wait() does the
/// same for the library's own sockets, without this header.) Events posted
/// from other threads (PostMessage, sockets on the library's loop)
/// interrupt the loop and are returned as usual. If `io` runs out of work
/// or is stopped, this falls back to a plain wait on the port.
[[nodiscard]] RO_API Message Wait(int timeout_ms, const MessagePort& port, asio::io_context& io);

}  // namespace ro

#endif  // RO_ASIO_HPP_
