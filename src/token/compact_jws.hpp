#pragma once
// Reading and writing a JWS in its compact serialization (RFC 7515 section
// 7.1) whose header and payload are JSON objects: what ID tokens, logout
// tokens and client assertions share (jwt.hpp keeps its own, tuned reader
// for access tokens). Reading checks the shape only; which algorithm and key
// may verify the signature is the caller's rule.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "token/claims.hpp"  // string_claim, time_claim, audience_holds: for its callers too
#include "token/jwt.hpp"
#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::token {

struct CompactJws {
  boost::json::object header;
  boost::json::object payload;
  std::string_view signing_input;  // header.payload, as received (points into the input)
  std::string signature;           // decoded bytes
};

// Splits and decodes `jws` (at most `max_length` bytes): malformed unless it
// is three base64url parts, the first two JSON objects (nested at most 8
// deep) and a non-empty signature; forbidden_header when the header carries
// a key or a key's location (jku, jwk, x5u, x5c) or crit, which we never
// honour (RFC 8725 section 3.10 and 2.7).
tl::expected<CompactJws, VerifyError> parse_compact_jws(std::string_view jws,
                                                        std::size_t max_length = kMaxTokenLength);

// Signs header.payload with `key` (jws.hpp): header gets "alg" (key.alg) and
// "kid" (key.kid) set here. Throws std::invalid_argument when the key
// cannot sign.
std::string sign_compact_jws(boost::json::object header, const boost::json::object& payload, const SigningKey& key);

}  // namespace latchkey::token
