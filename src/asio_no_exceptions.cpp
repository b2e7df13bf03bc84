// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Built only with RODATAGRAM_NO_EXCEPTIONS. With ASIO_NO_EXCEPTIONS Asio does
// not throw; it calls asio::detail::throw_exception(), which the program
// must define. The library uses Asio's error_code overloads throughout, so
// this is reached only where Asio has no such overload (an allocation or an
// invariant failure): print what happened and abort, as -fno-exceptions
// code does for std::bad_alloc.

#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <system_error>

#include <asio/detail/throw_exception.hpp>
#include <asio/execution/bad_executor.hpp>
#include <asio/execution_context.hpp>
#include <asio/executor.hpp>
#include <asio/ip/bad_address_cast.hpp>

namespace asio::detail {

template <typename Exception>
void throw_exception(const Exception& e) {
  std::fprintf(stderr, "rodatagram: Asio error without exceptions: %s\n", e.what());
  std::abort();
}

// The template is only declared in Asio's headers, so every exception type
// that Asio code in the library (and, in a static link, code using
// <ro/asio.hpp>) can report needs an instantiation here. A missing one shows
// up as an undefined reference to asio::detail::throw_exception<T> at link
// time.
template void throw_exception(const std::system_error&);
template void throw_exception(const std::bad_alloc&);
template void throw_exception(const std::length_error&);
template void throw_exception(const std::out_of_range&);
template void throw_exception(const asio::execution::bad_executor&);
template void throw_exception(const asio::bad_executor&);
template void throw_exception(const asio::service_already_exists&);
template void throw_exception(const asio::invalid_service_owner&);
template void throw_exception(const asio::ip::bad_address_cast&);

}  // namespace asio::detail
