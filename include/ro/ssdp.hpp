// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_SSDP_HPP_
#define RO_SSDP_HPP_

/// @file
/// Umbrella header of the rodatagram::ssdp component (link
/// `rodatagram::ssdp`): the SSDP message unit, the responder (device) and
/// the search (control point). Not part of <ro/ro.hpp>: it is a separate
/// library.

#include <ro/ssdp/message.hpp>
#include <ro/ssdp/responder.hpp>
#include <ro/ssdp/search.hpp>

#endif  // RO_SSDP_HPP_
