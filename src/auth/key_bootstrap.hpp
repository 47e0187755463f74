#pragma once
// The server's signing keys over time.
//
// With SECRET_KEY: HS256 under that key, nothing else (as the seed does).
// Otherwise keys live in the database, each with a schedule: published from
// its creation, signing from `not_before`, retired (no longer signing) at
// `retired_at`, and still verifying until every token it signed has expired
// (retired_at + access TTL + leeway). `latchkey keys rotate` adds a key that
// signs only after a publish delay, so verifiers that cache the JWKS learn it
// before they meet a token that names it.
//
// Two algorithms sign side by side, each on its own schedule: JWT_ALG's
// (access tokens; KeySet::current()) and RS256, which OpenID Connect Core
// 15.1 requires for ID tokens (KeySet::signer(RS256)). When JWT_ALG is RS256
// they are one and the same key; when it is HS256 there is no RS256 key (a
// symmetric deployment publishes nothing, and cannot sign ID tokens).
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "store/store.hpp"
#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct KeyPolicy {
  std::optional<std::string> secret;   // SECRET_KEY
  token::Alg alg = token::Alg::ES256;  // for keys generated here
  UnixSeconds access_ttl = 15 * 60;
  UnixSeconds leeway = 30;
};

// The algorithms that sign under `policy` (keys in the database): policy.alg,
// and RS256 beside an asymmetric one.
std::vector<token::Alg> signing_algs(const KeyPolicy& policy);

// The key set in force at `now`: policy.alg's signer first (current()), then
// the other algorithm's signer, then every key that may still verify a token
// or is about to sign. Generates a key, signing at once, for each algorithm
// of signing_algs() none of whose keys can sign; retires the keys of any
// other algorithm (JWT_ALG changed). Blocking (store). The error is a
// one-line reason, for start-up.
tl::expected<token::KeySet, std::string> load_signing_keys(store::Store& store, const KeyPolicy& policy,
                                                          UnixSeconds now);

// Adds a key of `alg` that signs from now + publish_delay; the keys of `alg`
// before it retire then (another algorithm's keys are not touched). Blocking
// (store).
tl::expected<store::StoredKey, std::string> rotate_signing_key(store::Store& store, token::Alg alg,
                                                              UnixSeconds now, UnixSeconds publish_delay);

enum class KeyState { upcoming, signing, verifying, expired };
std::string_view key_state_name(KeyState s);

// Where a stored key stands at `now` (for `latchkey keys list`): signing
// when it is the signer of its algorithm.
KeyState key_state(const store::StoredKey& key, const std::vector<store::StoredKey>& all,
                   const KeyPolicy& policy, UnixSeconds now);

// The secret that keys the refresh-token chain: generated once and kept in
// the database, so every instance and every restart derives the same chain.
// Blocking (store).
tl::expected<std::string, std::string> load_refresh_secret(store::Store& store, UnixSeconds now);

}  // namespace latchkey::auth
