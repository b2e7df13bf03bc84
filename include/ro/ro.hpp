// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_RO_HPP_
#define RO_RO_HPP_

/// @file
/// Umbrella header: every ro object.

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>
#include <ro/network_hotplug.hpp>
#include <ro/timer.hpp>
#include <ro/version.hpp>

#endif  // RO_RO_HPP_
