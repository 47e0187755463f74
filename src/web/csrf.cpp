#include "web/csrf.hpp"

#include <stdexcept>
#include <utility>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace latchkey::web {

namespace {
constexpr std::size_t kMinKey = 32;
constexpr std::size_t kTokenSize = 43;  // base64url of 32 bytes, unpadded
// Ours are 43 characters; a little room for a future binding, and a bound
// on what a request can make us hash.
constexpr std::size_t kMaxBinding = 128;
}  // namespace

Csrf::Csrf(std::string key) : key_(std::move(key)) {
  if (key_.size() < kMinKey) throw std::invalid_argument("CSRF key shorter than 32 bytes");
}

std::string Csrf::new_binding() const { return crypto::random_token(32); }

std::string Csrf::token_for(std::string_view binding) const {
  // The project's HMAC (crypto/digest.hpp, libsodium's HMAC-SHA-256).
  return crypto::base64url_encode(crypto::hmac_sha256(key_, binding));
}

bool Csrf::verify(std::string_view binding, std::string_view token) const {
  // Lengths are public (every token has the same): checking them first
  // leaks nothing; the comparison of contents is constant-time.
  if (binding.empty() || binding.size() > kMaxBinding || token.size() != kTokenSize) return false;
  return crypto::constant_time_equal(token_for(binding), token);
}

}  // namespace latchkey::web
