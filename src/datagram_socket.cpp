// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The public face of ro::DatagramSocket: checks the arguments the vendor's
// object checks, names the call in every failure, and records the Status
// that the socket (socket_impl.cpp) returns. Nothing else writes the
// failure reason.

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include <fmt/core.h>

#include <ro/asio.hpp>
#include <ro/datagram_socket.hpp>

#include "address.hpp"
#include "interfaces.hpp"
#include "reactor.hpp"
#include "socket_impl.hpp"
#include "text.hpp"

namespace ro {
namespace detail {

struct SocketAccess {
  static DatagramSocket Make(asio::io_context& io) {
    return DatagramSocket(std::make_shared<SocketImpl>(io));
  }
};

}  // namespace detail

namespace {

constexpr const char* kMovedFrom =
    "DatagramSocket: this object was moved from; it no longer has a socket";

// Records `status` on `impl`; a moved-from socket has nowhere to record.
bool Ok(detail::SocketImpl* impl, const detail::Status& status) {
  return impl != nullptr && impl->Core().RecordOk(status);
}

}  // namespace

DatagramSocket MakeDatagramSocket(asio::io_context& io) { return detail::SocketAccess::Make(io); }

DatagramSocket::DatagramSocket()
    : impl_(std::make_shared<detail::SocketImpl>(detail::Reactor::Instance().Context())) {}

DatagramSocket::~DatagramSocket() {
  if (impl_) impl_->Close();
}

DatagramSocket::DatagramSocket(std::shared_ptr<detail::SocketImpl> impl) noexcept
    : impl_(std::move(impl)) {}

DatagramSocket::DatagramSocket(DatagramSocket&& other) noexcept = default;

DatagramSocket& DatagramSocket::operator=(DatagramSocket&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->Close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void DatagramSocket::SetPort(const MessagePort& port) {
  if (impl_) impl_->SetPort(port);
}

bool DatagramSocket::BindToLocalPort(int port) {
  return impl_ &&
         Ok(impl_.get(), impl_->Bind(fmt::format("BindToLocalPort({})", port), std::nullopt, port));
}

bool DatagramSocket::BindToLocalAddress(std::string_view address, int port) {
  if (!impl_) return false;
  const std::string call = fmt::format("BindToLocalAddress({}, {})", detail::Quote(address), port);
  detail::Endpoint local;
  std::string why;
  if (port >= 0 && port <= 65535 && !detail::ParseHost(address, port, local, why)) {
    return Ok(impl_.get(),
              detail::Status::Failure(-EINVAL, fmt::format("{}: {} is not a valid address: {}",
                                                           call, detail::Quote(address), why)));
  }
  return Ok(impl_.get(), impl_->Bind(call, local, port));
}

int DatagramSocket::GetLocalPort() const { return impl_ ? impl_->LocalPort() : 0; }

namespace {

// "The network is not up" as the players report it; every other code is
// -errno (docs/porting.md, "SendTo failure codes").
detail::Status VendorCode(detail::Status status) {
  if (status.code() == -ENETUNREACH || status.code() == -ENETDOWN) {
    return detail::Status::Failure(DatagramSocket::kNetworkNotUp, status.reason());
  }
  return status;
}

// Where a reply to `request` leaves from: its arrival interface, and its
// destination address unless that was a group or a broadcast address, which
// cannot be a source.
detail::SendSource ReplySource(const DatagramEvent& request) {
  detail::SendSource source;
  source.interface_index = static_cast<unsigned>(std::max(request.GetInterfaceIndex(), 0));
  detail::Endpoint local;
  std::string ignored;
  const std::string destination = request.GetDestinationHost();
  if (!destination.empty() && detail::ParseHost(destination, 1, local, ignored) &&
      !detail::IsMulticast(local) && destination != "255.255.255.255") {
    source.address = local;
  }
  return source;
}

}  // namespace

int DatagramSocket::SendTo(std::string_view host, int port, std::string_view packet) {
  return impl_ ? impl_->Core().Record(VendorCode(impl_->SendTo(host, port, packet))) : -EBADF;
}

int DatagramSocket::ReplyTo(const DatagramEvent& request, std::string_view packet) {
  if (!impl_) return -EBADF;
  detail::SendSource source = ReplySource(request);
  const std::string host = request.GetSourceHost();
  detail::Status status = impl_->SendTo(host, request.GetSourcePort(), packet, &source);
  if (status.code() == -EINVAL && source.address.family != AF_UNSPEC) {
    // A subnet broadcast address is no source either: leave the choice of
    // address to the kernel, still out of the arrival interface.
    source.address = {};
    status = impl_->SendTo(host, request.GetSourcePort(), packet, &source);
  }
  return impl_->Core().Record(VendorCode(std::move(status)).Within("ReplyTo"));
}

int DatagramSocket::ReplyTo(const DatagramEvent& request, const ByteArray& packet) {
  return ReplyTo(request, packet.View());
}

int DatagramSocket::SendTo(std::string_view host, int port, const ByteArray& packet) {
  return SendTo(host, port, packet.View());
}

bool DatagramSocket::JoinMulticastGroup(std::string_view group) {
  return impl_ &&
         Ok(impl_.get(), impl_->Join(fmt::format("JoinMulticastGroup({})", detail::Quote(group)),
                                     group, std::nullopt));
}

bool DatagramSocket::JoinMulticastGroup(std::string_view group,
                                        std::string_view interface_name_or_address) {
  return impl_ &&
         Ok(impl_.get(), impl_->Join(fmt::format("JoinMulticastGroup({}, {})", detail::Quote(group),
                                                 detail::Quote(interface_name_or_address)),
                                     group, interface_name_or_address));
}

bool DatagramSocket::LeaveMulticastGroup(std::string_view group) {
  return impl_ &&
         Ok(impl_.get(),
            impl_->Leave(fmt::format("LeaveMulticastGroup({})", detail::Quote(group)), group));
}

std::string DatagramSocket::GetFailureReason() const {
  return impl_ ? impl_->Core().FailureReason() : kMovedFrom;
}

int DatagramSocket::GetFailureCode() const { return impl_ ? impl_->Core().FailureCode() : -EBADF; }

void DatagramSocket::SetUserData(UserData data) {
  if (impl_) impl_->Core().SetUserData(std::move(data));
}

UserData DatagramSocket::GetUserData() const {
  return impl_ ? impl_->Core().GetUserData() : UserData{};
}

int DatagramSocket::GetIdentity() const { return impl_ ? impl_->Core().Identity() : 0; }

void DatagramSocket::Close() {
  if (impl_) impl_->Close();
}

SocketStatistics DatagramSocket::GetStatistics() const {
  return impl_ ? impl_->Statistics() : SocketStatistics{};
}

bool DatagramSocket::SetAutoRejoin(bool enable) {
  return impl_ && Ok(impl_.get(), impl_->SetAutoRejoin(enable));
}

bool DatagramSocket::SetMulticastTTL(int ttl) {
  if (!impl_) return false;
  const std::string call = fmt::format("SetMulticastTTL({})", ttl);
  if (ttl < 0 || ttl > 255) {
    return Ok(impl_.get(), detail::Status::Failure(-EINVAL, call + ": the TTL must be in 0..255"));
  }
  return Ok(impl_.get(), impl_->SetOption(call, false, [&](detail::SocketOptions& o) {
    o.multicast_ttl = ttl;
  }));
}

bool DatagramSocket::SetMulticastLoop(bool enable) {
  return impl_ && Ok(impl_.get(), impl_->SetOption(fmt::format("SetMulticastLoop({})", enable),
                                                   false, [&](detail::SocketOptions& o) {
                                                     o.multicast_loop = enable ? 1 : 0;
                                                   }));
}

bool DatagramSocket::SetMulticastInterface(std::string_view interface_name_or_address) {
  if (!impl_) return false;
  const std::string call =
      fmt::format("SetMulticastInterface({})", detail::Quote(interface_name_or_address));
  detail::InterfaceChoice chosen;
  if (detail::Status s = detail::ResolveInterface(interface_name_or_address, chosen); !s.ok()) {
    return Ok(impl_.get(), std::move(s).Within(call));
  }
  return Ok(impl_.get(), impl_->SetOption(call, false, [&](detail::SocketOptions& o) {
    o.multicast_interface = chosen;
    o.has_multicast_interface = true;
  }));
}

bool DatagramSocket::SetBroadcast(bool enable) {
  return impl_ &&
         Ok(impl_.get(), impl_->SetOption(fmt::format("SetBroadcast({})", enable), false,
                                          [&](detail::SocketOptions& o) { o.broadcast = enable; }));
}

bool DatagramSocket::SetReceiveDestination(bool enable) {
  return impl_ && Ok(impl_.get(), impl_->SetOption(fmt::format("SetReceiveDestination({})", enable),
                                                   false, [&](detail::SocketOptions& o) {
                                                     o.receive_destination = enable;
                                                   }));
}

bool DatagramSocket::SetReuseAddress(bool enable) {
  return impl_ && Ok(impl_.get(),
                     impl_->SetOption(fmt::format("SetReuseAddress({})", enable), true,
                                      [&](detail::SocketOptions& o) { o.reuse_address = enable; }));
}

bool DatagramSocket::SetReusePort(bool enable) {
  return impl_ && Ok(impl_.get(),
                     impl_->SetOption(fmt::format("SetReusePort({})", enable), true,
                                      [&](detail::SocketOptions& o) { o.reuse_port = enable; }));
}

bool DatagramSocket::SetReceiveBufferSize(int bytes) {
  if (!impl_) return false;
  const std::string call = fmt::format("SetReceiveBufferSize({})", bytes);
  if (bytes <= 0) {
    return Ok(impl_.get(), detail::Status::Failure(-EINVAL, call + ": the size must be positive"));
  }
  return Ok(impl_.get(), impl_->SetOption(call, false, [&](detail::SocketOptions& o) {
    o.receive_buffer = bytes;
  }));
}

int DatagramSocket::GetReceiveBufferSize() const { return impl_ ? impl_->ReceiveBufferSize() : 0; }

}  // namespace ro
