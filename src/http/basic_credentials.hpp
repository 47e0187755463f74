#pragma once
// The credentials of `Authorization: Basic base64(id:secret)` (RFC 7617).
// The scheme is case-insensitive (RFC 9110 section 11.1); padding is
// optional; a repeated Authorization field, bad base64 or no ':' is no
// credentials at all. OAuth's client_secret_basic form-urlencodes both parts
// first (RFC 6749 section 2.3.1): that decoding is the caller's.
#include <optional>
#include <string>

#include "http/message.hpp"

namespace latchkey::http {

struct BasicCredentials {
  std::string id;
  std::string secret;
};

// nullopt when the request has no well-formed Basic credentials.
std::optional<BasicCredentials> basic_credentials(const Request& req);
// Whether the request's Authorization field uses the Basic scheme at all.
bool uses_basic(const Request& req);

}  // namespace latchkey::http
