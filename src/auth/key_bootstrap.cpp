#include "auth/key_bootstrap.hpp"

#include <algorithm>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "token/key_material.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

namespace {

std::string store_error(std::string_view what, store::StoreError e) {
  return std::string(what) + ": " + std::string(store::describe(e));
}

bool can_sign_at(const store::StoredKey& k, UnixSeconds now) {
  return k.not_before <= now && (!k.retired_at || *k.retired_at > now);
}

bool still_verifies(const store::StoredKey& k, const KeyPolicy& p, UnixSeconds now) {
  return !k.retired_at || *k.retired_at + p.access_ttl + p.leeway > now;
}

// The signer of `alg` among `rows` (ordered newest not_before first), if any.
const store::StoredKey* signer_of(const std::vector<store::StoredKey>& rows, std::string_view alg, UnixSeconds now) {
  for (const auto& k : rows) {
    if (k.alg == alg && can_sign_at(k, now)) return &k;
  }
  return nullptr;
}

tl::expected<store::StoredKey, std::string> new_stored_key(token::Alg alg, UnixSeconds now,
                                                          UnixSeconds not_before) {
  auto key = token::generate_key(alg, crypto::random_token(9), now);
  if (!key) return tl::unexpected("cannot generate a " + std::string(token::alg_name(alg)) + " key: " + key.error());
  return store::StoredKey{key->kid, std::string(token::alg_name(alg)), token::encode_key_material(*key),
                          now, not_before, std::nullopt};
}

}  // namespace

std::string_view key_state_name(KeyState s) {
  switch (s) {
    case KeyState::upcoming: return "upcoming";
    case KeyState::signing: return "signing";
    case KeyState::verifying: return "verifying";
    case KeyState::expired: return "expired";
  }
  return "expired";
}

KeyState key_state(const store::StoredKey& key, const std::vector<store::StoredKey>& all,
                   const KeyPolicy& policy, UnixSeconds now) {
  if (key.not_before > now) return KeyState::upcoming;
  const store::StoredKey* signer = signer_of(all, key.alg, now);
  if (signer && signer->kid == key.kid) return KeyState::signing;
  return still_verifies(key, policy, now) ? KeyState::verifying : KeyState::expired;
}

tl::expected<store::StoredKey, std::string> rotate_signing_key(store::Store& store, token::Alg alg,
                                                              UnixSeconds now, UnixSeconds publish_delay) {
  auto row = new_stored_key(alg, now, now + publish_delay);
  if (!row) return row;
  if (auto r = store.keys().rotate(*row); !r) return tl::unexpected(store_error("cannot store the new key", r.error()));
  log::info("keys.rotated", {{"kid", std::string_view(row->kid)}, {"alg", std::string_view(row->alg)},
                             {"signs_from", row->not_before}});
  return row;
}

std::vector<token::Alg> signing_algs(const KeyPolicy& policy) {
  if (policy.alg == token::Alg::RS256 || !token::is_asymmetric(policy.alg)) return {policy.alg};
  return {policy.alg, token::Alg::RS256};
}

tl::expected<token::KeySet, std::string> load_signing_keys(store::Store& store, const KeyPolicy& policy,
                                                          UnixSeconds now) {
  if (policy.secret) {
    return token::KeySet({token::SigningKey{token::kid_for_secret(*policy.secret), token::Alg::HS256,
                                            *policy.secret, now}});
  }
  auto rows = store.keys().list();
  if (!rows) return tl::unexpected(store_error("cannot read signing keys", rows.error()));
  const std::vector<token::Alg> algs = signing_algs(policy);
  auto wanted = [&](std::string_view alg) {
    return std::any_of(algs.begin(), algs.end(), [&](token::Alg a) { return token::alg_name(a) == alg; });
  };
  std::vector<token::Alg> missing;
  for (token::Alg a : algs) {
    if (!signer_of(*rows, token::alg_name(a), now)) missing.push_back(a);
  }
  // A key of an algorithm no longer wanted that would still sign (JWT_ALG
  // changed to the one that signed beside it): retired below.
  const bool stale = std::any_of(rows->begin(), rows->end(), [&](const store::StoredKey& k) {
    return !wanted(k.alg) && (!k.retired_at || *k.retired_at > now);
  });
  if (stale && missing.empty()) missing.push_back(policy.alg);  // install_signer retires, adds nothing
  if (!missing.empty()) {
    // First start, JWT_ALG changed, or the RS256 key is new to this
    // database: a key of each missing algorithm signs from now on; the
    // others verify until their tokens expire. Other instances may be
    // doing the same right now: the store keeps one per algorithm.
    const token::Alg other = algs.back() == policy.alg ? algs.front() : algs.back();
    for (token::Alg a : missing) {
      auto fresh = new_stored_key(a, now, now);
      if (!fresh) return tl::unexpected(fresh.error());
      const token::Alg keep = a == policy.alg ? other : policy.alg;
      auto added = store.keys().install_signer(*fresh, now, token::alg_name(keep));
      if (!added) return tl::unexpected(store_error("cannot store a new signing key", added.error()));
      if (*added) log::info("keys.generated", {{"kid", std::string_view(fresh->kid)}, {"alg", std::string_view(fresh->alg)}});
    }
    rows = store.keys().list();
    if (!rows) return tl::unexpected(store_error("cannot read signing keys", rows.error()));
  }

  std::vector<token::SigningKey> keys;
  std::vector<std::string_view> taken;
  auto add = [&](const store::StoredKey& row) -> bool {
    auto alg = token::alg_from_name(row.alg);
    if (!alg) return false;
    auto key = token::decode_key_material(row.kid, *alg, row.material, row.created_at);
    if (!key) {
      log::warn("keys.unreadable", {{"kid", std::string_view(row.kid)}, {"reason", std::string_view(key.error())}});
      return false;
    }
    keys.push_back(std::move(*key));
    taken.push_back(row.kid);
    return true;
  };
  // The signers first, policy.alg's at the front: KeySet::current() and
  // KeySet::signer() take them from there, never an upcoming or retired key.
  for (token::Alg a : algs) {
    const store::StoredKey* signer = signer_of(*rows, token::alg_name(a), now);
    if (!signer) return tl::unexpected("no " + std::string(token::alg_name(a)) + " signing key after generating one");
    if (!add(*signer)) return tl::unexpected("the signing key " + signer->kid + " cannot be read");
  }
  for (const auto& row : *rows) {
    if (std::find(taken.begin(), taken.end(), row.kid) == taken.end() && still_verifies(row, policy, now)) add(row);
  }
  return token::KeySet(std::move(keys), algs.size());
}

tl::expected<std::string, std::string> load_refresh_secret(store::Store& store, UnixSeconds now) {
  auto kept = store.keys().ensure_secret("refresh_chain", crypto::base64url_encode(crypto::random_bytes(32)), now);
  if (!kept) return tl::unexpected(store_error("cannot read the refresh secret", kept.error()));
  auto secret = crypto::base64url_decode(*kept);
  if (!secret || secret->size() < 32) return tl::unexpected(std::string("the stored refresh secret is damaged"));
  return *secret;
}

}  // namespace latchkey::auth
