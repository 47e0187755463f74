#pragma once
// Access tokens whose signature and claims were already verified, keyed by
// the SHA-256 of the token's bytes: verifying an ES256 signature costs far
// more than serving the request, and a client presents the same token many
// times (as Envoy's jwt_authn caches verified tokens).
//
// What makes it safe: a hit requires the exact same bytes (a collision of
// SHA-256 is not a practical attack); an entry never outlives the token's
// `exp` (plus the leeway verification allows); clear() runs whenever the key
// set changes, so a key withdrawn from the set takes its tokens with it; and
// the cache holds no revocation state: callers still check the session on
// every request. Bounded: at capacity the oldest entry of a shard goes.
#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/time.hpp"

namespace latchkey::token {

// Who a verified access token speaks for, shared by every request that
// presents it.
struct VerifiedToken {
  std::string sub;       // user id
  std::string username;  // preferred_username
  std::string sid;       // session id
  UnixSeconds exp = 0;
  std::string sso_sid = {};    // the browser session an OAuth client's session came from; may be empty
  std::string client_id = {};  // an OAuth client's token; empty for /login's
  std::string scope = {};
};

class VerifiedCache {
 public:
  // `capacity` 0 disables the cache. `leeway`: as the VerifyPolicy's.
  VerifiedCache(std::size_t capacity, UnixSeconds leeway);

  // The entry for these exact bytes, if present and not expired at `now`.
  std::shared_ptr<const VerifiedToken> find(std::string_view jwt, UnixSeconds now) const;
  // Remembers a token that verify_access_token() accepted.
  void insert(std::string_view jwt, std::shared_ptr<const VerifiedToken> token);
  void clear();
  std::size_t size() const;
  bool enabled() const { return !shards_.empty(); }

 private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Digest, std::shared_ptr<const VerifiedToken>, DigestHash> map;
    std::vector<Digest> order;  // insertion ring, for eviction
    std::size_t next = 0;       // oldest slot of `order` once full
  };
  static Digest digest(std::string_view jwt);
  Shard& shard_of(const Digest& d) const;

  std::size_t per_shard_ = 0;
  UnixSeconds leeway_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace latchkey::token
