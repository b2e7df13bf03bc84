// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_DATAGRAM_SOCKET_HPP_
#define RO_DATAGRAM_SOCKET_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/event.hpp>
#include <ro/export.hpp>
#include <ro/message_port.hpp>

namespace ro {

namespace detail {
class SocketImpl;
struct SocketAccess;
}  // namespace detail

/// Counters of one DatagramSocket (*extension*). Every datagram the socket
/// read from the kernel is counted exactly once in `delivered`,
/// `dropped_by_port` or `truncated`.
///
/// The counters are updated once per received batch, just after the batch
/// is posted: an application that has just dequeued an event may briefly
/// see counts that do not include that batch yet. Each field is read on its
/// own, so a snapshot taken while datagrams arrive is not atomic as a whole.
struct SocketStatistics {
  /// Datagrams read from the kernel.
  std::uint64_t received = 0;
  /// Datagrams posted to the MessagePort as DatagramEvents.
  std::uint64_t delivered = 0;
  /// Datagrams read but not posted: no port set, the port's last handle
  /// gone, or the port at its SetMaxQueueLength() bound.
  std::uint64_t dropped_by_port = 0;
  /// Datagrams larger than the receive buffer, dropped whole (never
  /// delivered truncated).
  std::uint64_t truncated = 0;
  /// Datagrams the kernel dropped because the socket's receive buffer was
  /// full (SO_MEMINFO, read when the statistics are taken); they never
  /// reached `received`.
  std::uint64_t dropped_by_kernel = 0;
  /// Receive calls that failed (e.g. ECONNREFUSED from an ICMP error); the
  /// socket keeps receiving.
  std::uint64_t receive_errors = 0;
  /// Datagrams SendTo handed to the kernel.
  std::uint64_t sent = 0;
  /// SendTo calls that returned a negative code.
  std::uint64_t send_errors = 0;
  /// Automatic re-joins (SetAutoRejoin) that failed on an interface that
  /// attached. Background work never changes GetFailureReason(); it counts
  /// here.
  std::uint64_t rejoin_errors = 0;
};

/// `roDatagramSocket`: sends UDP datagrams and delivers the datagrams it
/// receives to a MessagePort as DatagramEvents.
///
/// Delivery runs on the library's reactor thread (one per process, started
/// when the first socket starts receiving), so datagrams arrive while the
/// application sleeps in Wait(). A socket starts receiving once it is bound
/// (BindToLocalPort, or implicitly by the first SendTo) and has a port
/// (SetPort), in either order.
///
/// Failures never throw: they return false or a negative errno-style code,
/// and GetFailureReason() holds a sentence naming the call, its argument and
/// the cause. Like errno, the reason describes the most recent failure and is
/// not cleared by later successes.
///
/// **Example**
/// ```
/// ro::MessagePort port;
/// ro::DatagramSocket udp;                     // CreateObject("roDatagramSocket")
/// udp.SetPort(port);
/// if (!udp.BindToLocalPort(5000)) std::puts(udp.GetFailureReason().c_str());
/// ro::Message msg = ro::Wait(0, port);
/// if (auto* ev = msg->As<ro::DatagramEvent>())
///   udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), "ack");
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread. SendTo may run on one socket
/// from several threads at once without serialising on a library lock; the
/// other members serialise on the socket. Destroying (or moving from) a
/// socket while another thread still calls into that same object is a data
/// race, as for any C++ object.
///
/// @par Lifetime
/// Move-only. The destructor (and Close()) stops deliveries before it
/// returns: no event from this socket is posted afterwards. Events already
/// queued stay valid. A moved-from socket is empty: its calls fail with
/// -EBADF / false and a reason that says so.
class RO_API DatagramSocket {
 public:
  /// Creates a socket object; no kernel socket exists until it is bound or
  /// first sends.
  DatagramSocket();
  ~DatagramSocket();
  /// Takes over `other`'s socket, port, identity and deliveries; `other`
  /// is left empty.
  DatagramSocket(DatagramSocket&& other) noexcept;
  /// Closes this socket, then takes over `other`'s; `other` is left empty.
  DatagramSocket& operator=(DatagramSocket&& other) noexcept;
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;

  /// Sets the MessagePort that receives this socket's DatagramEvents
  /// (replacing any earlier one). The socket holds the port weakly: it does
  /// not keep the queue alive.
  void SetPort(const MessagePort& port);

  /// Binds to `port` on every local IPv4 address; 0 lets the system choose
  /// a free port (see GetLocalPort()).
  /// @returns false (see GetFailureReason()) if the port is outside 0..65535,
  /// already in use, or the socket is already bound.
  bool BindToLocalPort(int port);

  /// The local port the socket is bound to, or 0 if it was never bound. After
  /// Close() it still reports the port the socket had.
  [[nodiscard]] int GetLocalPort() const;

  /// Sends one datagram of `packet`'s bytes to `host`:`port`.
  ///
  /// @param host  a numeric IPv4 ("192.0.2.1") or IPv6 ("::1", "fe80::1%eth0")
  ///              address, or "localhost". Names are not resolved: a DNS
  ///              lookup could block the caller for seconds.
  /// @param port  1..65535.
  /// @param packet  the payload, byte for byte (may contain zero bytes).
  /// @returns 0 on success, or a negative code: -128 when the network is
  ///          not up (no route: ENETUNREACH or ENETDOWN; the value BrightSign
  ///          players return and scripts retry on, kNetworkNotUp), else a
  ///          negative errno value (-EINVAL for a bad host or port,
  ///          -EMSGSIZE for a payload over the protocol maximum of 65,507
  ///          bytes over IPv4, ...). GetFailureReason() names the errno.
  ///          Sending before any bind binds an ephemeral port, and replies
  ///          reach this socket.
  int SendTo(std::string_view host, int port, std::string_view packet);

  /// Sends the bytes of `packet` as one datagram; see the string overload.
  int SendTo(std::string_view host, int port, const ByteArray& packet);

  /// What SendTo returns when the network is not up (no route to the
  /// destination), as BrightSign players do: scripts retry while SendTo
  /// returns -128. (-128 is -ENETUNREACH in the MIPS numbering of the
  /// players' firmware; see docs/porting.md, "SendTo failure codes".)
  static constexpr int kNetworkNotUp = -128;

  /// Answers `request` (*extension*): sends `packet` to the host and port
  /// it came from, out of the interface it arrived on and from the address
  /// it was sent to (IP_PKTINFO / IPV6_PKTINFO), so that a host with several
  /// addresses or links answers from the one the peer used. For a request
  /// sent to a multicast or broadcast address the reply leaves from the
  /// arrival interface's own address. Needs the arrival address (the default;
  /// see SetReceiveDestination()).
  ///
  /// ```
  /// ro::Message msg = ro::Wait(0, port);
  /// if (auto* request = msg->As<ro::DatagramEvent>()) udp.ReplyTo(*request, "pong");
  /// ```
  /// @returns as SendTo().
  int ReplyTo(const DatagramEvent& request, std::string_view packet);

  /// ReplyTo() with the bytes of `packet`.
  int ReplyTo(const DatagramEvent& request, const ByteArray& packet);

  /// Joins the IPv4 or IPv6 multicast `group`.
  /// @returns false (see GetFailureReason()) if `group` is not a multicast
  /// address or the join failed.
  bool JoinMulticastGroup(std::string_view group);

  /// A sentence describing the most recent failure of a call on this socket;
  /// empty if nothing has failed.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The negative code of the failure GetFailureReason() describes: what
  /// the failed call returned, or its -errno where the call returns bool; 0
  /// when there is none (*extension*). Like errno, both report the calling
  /// thread's own last failed call on this socket (a thread that has none
  /// sees the socket's latest); work the library does in the background
  /// (re-joins, receive errors) never changes them: it is counted in
  /// GetStatistics().
  [[nodiscard]] int GetFailureCode() const;

  /// Sets the value that DatagramEvents carry from now on.
  void SetUserData(UserData data);

  /// `SetUserData("text")` stores a std::string, as BrightScript stores a
  /// String, so `std::any_cast<std::string>` reads it back.
  void SetUserData(const char* text) { SetUserData(detail::TextUserData(text)); }

  /// The value set by SetUserData(), or an empty std::any (Invalid).
  [[nodiscard]] UserData GetUserData() const;

  /// A process-unique, non-zero id that this socket's events carry as
  /// GetSourceIdentity(). (ifIdentity is deprecated by the vendor in favour
  /// of user data; it is kept for old scripts.)
  [[nodiscard]] int GetIdentity() const;

  /// Closes the socket now (*extension*; BrightScript closes on release).
  /// Deliveries stop before Close() returns; later calls fail with -EBADF /
  /// false. Closing twice is harmless.
  void Close();

  /// Delivery counters (*extension*).
  [[nodiscard]] SocketStatistics GetStatistics() const;

  /// @name Extensions beyond the BrightSign object
  /// Names follow Roku's ifSocketCastOption and Node.js dgram. Options set
  /// before the kernel socket exists are remembered and applied when it is
  /// created (unlike Node.js, which fails with EBADF before bind).
  /// @{

  /// Joins `group` on one interface only, given by name ("eth0") or by one
  /// of its addresses.
  bool JoinMulticastGroup(std::string_view group, std::string_view interface_name_or_address);

  /// Leaves `group` on every interface this socket joined it on.
  /// @returns false if the socket never joined `group`.
  bool LeaveMulticastGroup(std::string_view group);

  /// Follows hotplug by itself: while enabled, every multicast group this
  /// socket joined is joined on each interface that becomes usable, in the
  /// network namespace of the thread that enables it. No roNetworkHotplug
  /// and no application code needed.
  /// @returns false if rtnetlink cannot be used (see GetFailureReason()).
  bool SetAutoRejoin(bool enable);

  /// Hop limit of multicast datagrams this socket sends, 0..255 (default 1).
  /// With 0 no router forwards them, but Linux may still put them on the
  /// wire of the outgoing interface (seen on kernel 6.18): to keep traffic
  /// on this host, also choose `lo` with SetMulticastInterface().
  bool SetMulticastTTL(int ttl);

  /// Whether this host's own sockets receive the multicast datagrams this
  /// socket sends (default true).
  bool SetMulticastLoop(bool enable);

  /// The interface multicast datagrams leave from, by name ("eth0") or
  /// address ("192.0.2.5"); "" or "0.0.0.0" restores the routing table's
  /// choice. SendTo to a group uses exactly this interface: a datagram goes
  /// out of one interface, never all of them, unless the application sends
  /// once per interface.
  bool SetMulticastInterface(std::string_view interface_name_or_address);

  /// Whether events carry where each datagram went (GetDestinationHost(),
  /// GetInterfaceIndex(), GetInterfaceName(); IP_PKTINFO). Default true.
  /// Turning it off saves the kernel a control message per datagram, a few
  /// percent of receive throughput (docs/benchmarks.md); those accessors then
  /// return "" / 0.
  bool SetReceiveDestination(bool enable);

  /// Allows sending to broadcast addresses (SO_BROADCAST; default false).
  bool SetBroadcast(bool enable);

  /// Lets several sockets bind the same port (SO_REUSEADDR), e.g. SSDP's
  /// 1900 shared with other stacks. Every socket on the port must set it,
  /// before binding. Default false: a plain bind to a port in use fails, as
  /// on the players. Multicast and broadcast datagrams reach every socket on
  /// the port; a unicast one reaches only the last bound.
  bool SetReuseAddress(bool enable);

  /// Lets several sockets bind the same port with the kernel spreading
  /// unicast datagrams between them (SO_REUSEPORT); before binding.
  bool SetReusePort(bool enable);

  /// Binds to `port` on one local address ("127.0.0.1", "::1", a multicast
  /// group to receive only that group, "0.0.0.0" or "::" for every address;
  /// "::" makes a dual-stack socket).
  bool BindToLocalAddress(std::string_view address, int port);

  /// Asks the kernel for a receive buffer of `bytes` (SO_RCVBUF; capped by
  /// net.core.rmem_max). Larger buffers absorb longer bursts.
  bool SetReceiveBufferSize(int bytes);

  /// The receive buffer the kernel granted, in bytes (Linux reports twice
  /// the requested size: it counts its own bookkeeping); 0 before the kernel
  /// socket exists.
  [[nodiscard]] int GetReceiveBufferSize() const;

  /// @}

 private:
  friend struct detail::SocketAccess;
  explicit DatagramSocket(std::shared_ptr<detail::SocketImpl> impl) noexcept;

  std::shared_ptr<detail::SocketImpl> impl_;
};

}  // namespace ro

#endif  // RO_DATAGRAM_SOCKET_HPP_
