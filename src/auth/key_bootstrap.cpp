#include "auth/key_bootstrap.hpp"

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

namespace {

constexpr std::size_t kGeneratedSecretBytes = 64;

tl::expected<std::vector<token::SigningKey>, std::string> stored_keys(store::Store& store) {
  auto rows = store.list_keys();
  if (!rows) return tl::unexpected("cannot read signing keys: " + std::string(store::describe(rows.error())));
  std::vector<token::SigningKey> keys;
  for (const auto& row : *rows) {
    auto alg = token::alg_from_name(row.alg);
    auto secret = crypto::base64url_decode(row.material);
    if (!alg || !secret) {
      log::warn("keys.skipped", {{"kid", std::string_view(row.kid)}, {"reason", "unreadable"}});
      continue;
    }
    keys.push_back(token::SigningKey{row.kid, *alg, std::move(*secret), row.created_at});
  }
  return keys;
}

}  // namespace

tl::expected<token::KeySet, std::string> load_signing_keys(store::Store& store,
                                                          const std::optional<std::string>& secret,
                                                          UnixSeconds now) {
  if (secret) {
    return token::KeySet({token::SigningKey{token::kid_for_secret(*secret), token::Alg::HS256, *secret, now}});
  }
  auto keys = stored_keys(store);
  if (!keys) return tl::unexpected(keys.error());
  if (keys->empty()) {
    token::SigningKey k{crypto::random_token(9), token::Alg::HS256,
                        crypto::random_bytes(kGeneratedSecretBytes), now};
    auto added = store.add_key(store::StoredKey{k.kid, std::string(token::alg_name(k.alg)),
                                                crypto::base64url_encode(k.secret), now});
    if (!added && added.error() != store::StoreError::conflict)
      return tl::unexpected("cannot store a new signing key: " + std::string(store::describe(added.error())));
    log::info("keys.generated", {{"kid", std::string_view(k.kid)}, {"alg", token::alg_name(k.alg)}});
    keys = stored_keys(store);
    if (!keys) return tl::unexpected(keys.error());
    if (keys->empty()) return tl::unexpected(std::string("no usable signing key in the database"));
  }
  return token::KeySet(std::move(*keys));
}

tl::expected<std::string, std::string> load_refresh_secret(store::Store& store, UnixSeconds now) {
  auto kept = store.ensure_secret("refresh_chain", crypto::base64url_encode(crypto::random_bytes(32)), now);
  if (!kept) return tl::unexpected("cannot read the refresh secret: " + std::string(store::describe(kept.error())));
  auto secret = crypto::base64url_decode(*kept);
  if (!secret || secret->size() < 32) return tl::unexpected(std::string("the stored refresh secret is damaged"));
  return *secret;
}

}  // namespace latchkey::auth
