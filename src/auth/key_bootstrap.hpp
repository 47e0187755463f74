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

// The key set in force at `now`: the signer first, then every key that may
// still verify a token or is about to sign. Generates a key of policy.alg,
// signing at once, when none of that algorithm can sign. Blocking (store).
// The error is a one-line reason, for start-up.
tl::expected<token::KeySet, std::string> load_signing_keys(store::Store& store, const KeyPolicy& policy,
                                                          UnixSeconds now);

// Adds a key of `alg` that signs from now + publish_delay; the keys before it
// retire then. Blocking (store).
tl::expected<store::StoredKey, std::string> rotate_signing_key(store::Store& store, token::Alg alg,
                                                              UnixSeconds now, UnixSeconds publish_delay);

enum class KeyState { upcoming, signing, verifying, expired };
std::string_view key_state_name(KeyState s);

// Where a stored key stands at `now` (for `latchkey keys list`).
KeyState key_state(const store::StoredKey& key, const std::vector<store::StoredKey>& all,
                   const KeyPolicy& policy, UnixSeconds now);

// The secret that keys the refresh-token chain: generated once and kept in
// the database, so every instance and every restart derives the same chain.
// Blocking (store).
tl::expected<std::string, std::string> load_refresh_secret(store::Store& store, UnixSeconds now);

}  // namespace latchkey::auth
