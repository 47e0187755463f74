#include "oidc/client_registry.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

namespace {

// 16 random bytes name a client (public, unguessable enough to enumerate
// nothing); 32 make a secret or a registration token (256 bits).
constexpr std::size_t kIdBytes = 16;
constexpr std::size_t kSecretBytes = 32;

std::string digest(std::string_view secret) { return crypto::token_digest(secret); }

// A new client id: random, and never starting with '-', which a command line
// (`latchkey clients show ID`) would take for an option (1 id in 64 did).
std::string new_client_id() {
  for (;;) {
    std::string id = crypto::random_token(kIdBytes);
    if (id.front() != '-') return id;
  }
}

tl::unexpected<RegistryFailure> failed(RegistryError e) { return tl::unexpected(RegistryFailure{e, {}}); }

tl::unexpected<RegistryFailure> from_store(store::StoreError e) {
  return failed(e == store::StoreError::not_found ? RegistryError::not_found : RegistryError::unavailable);
}

// A digest compared in constant time; an empty stored one never matches.
bool matches(std::string_view stored_digest, std::string_view presented) {
  const std::string d = digest(presented);
  return !stored_digest.empty() && crypto::constant_time_equal(d, stored_digest);
}

}  // namespace

Registered<Client> ClientRegistry::read(const store::OAuthClient& row) {
  {
    std::lock_guard lock(parsed_mutex_);
    if (auto it = parsed_.find(row.id); it != parsed_.end() && it->second->text == row.metadata)
      return Client{row.id, it->second->metadata, row.created_at, row.updated_at, !row.secret_digest.empty()};
  }
  boost::system::error_code ec;
  json::value v = json::parse(row.metadata, ec);
  if (ec || !v.is_object()) return failed(RegistryError::unavailable);  // a damaged row: not the caller's fault
  // Stored metadata was checked when it was stored; read it as an
  // administrator's so that first_party survives.
  auto m = parse_client_metadata(v.get_object(), true);
  if (!m) return failed(RegistryError::unavailable);
  {
    std::lock_guard lock(parsed_mutex_);
    if (parsed_.size() >= kParsedMax) parsed_.clear();
    parsed_[row.id] = std::make_shared<const Parsed>(Parsed{row.metadata, *m});
  }
  return Client{row.id, std::move(*m), row.created_at, row.updated_at, !row.secret_digest.empty()};
}

Registered<store::OAuthClient> ClientRegistry::stored(std::string_view id) {
  auto row = store_.find(id);
  if (!row) return from_store(row.error());
  return std::move(*row);
}

Registered<void> ClientRegistry::signable(const ClientMetadata& m) const {
  if (!id_token_algs_ || !m.allows_grant("authorization_code")) return {};
  const std::vector<std::string> algs = id_token_algs_();
  if (std::find(algs.begin(), algs.end(), m.id_token_signed_response_alg) != algs.end()) return {};
  std::string have;
  for (const std::string& a : algs) have += (have.empty() ? "" : ", ") + a;
  return tl::unexpected(RegistryFailure{
      RegistryError::invalid_metadata,
      {"invalid_client_metadata", "id_token_signed_response_alg " + m.id_token_signed_response_alg +
                                      ": no key here signs it (" +
                                      (have.empty() ? std::string("none signs id_tokens") : "these do: " + have) +
                                      ")"}});
}

Registered<Registration> ClientRegistry::add(const json::object& metadata, bool administrator) {
  auto m = parse_client_metadata(metadata, administrator);
  if (!m) return tl::unexpected(RegistryFailure{RegistryError::invalid_metadata, std::move(m.error())});
  if (auto ok = signable(*m); !ok) return tl::unexpected(ok.error());
  Registration r;
  // private_key_jwt clients prove a key instead, and public ones nothing.
  if (m->uses_secret()) r.secret = crypto::random_token(kSecretBytes);
  r.registration_token = crypto::random_token(kSecretBytes);
  const UnixSeconds now = clock_();
  store::OAuthClient row{new_client_id(), r.secret.empty() ? std::string() : digest(r.secret),
                         digest(r.registration_token), json::serialize(to_json(*m)), now, now};
  if (auto added = store_.add(row); !added) return from_store(added.error());
  r.client = Client{row.id, std::move(*m), now, now, !r.secret.empty()};
  return r;
}

Registered<Client> ClientRegistry::find(std::string_view id) {
  auto row = stored(id);
  if (!row) return tl::unexpected(row.error());
  return read(*row);
}

Registered<std::vector<Client>> ClientRegistry::list(std::string_view after, std::size_t limit) {
  auto rows = store_.list(after, limit);
  if (!rows) return from_store(rows.error());
  std::vector<Client> out;
  for (const auto& row : *rows) {
    auto c = read(row);
    if (!c) return tl::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

Registered<Client> ClientRegistry::update(std::string_view id, const json::object& metadata, bool administrator) {
  auto row = stored(id);
  if (!row) return tl::unexpected(row.error());
  auto m = parse_client_metadata(metadata, administrator);
  if (!m) return tl::unexpected(RegistryFailure{RegistryError::invalid_metadata, std::move(m.error())});
  if (auto ok = signable(*m); !ok) return tl::unexpected(ok.error());
  // A client that stops using a secret (public, private_key_jwt) keeps none:
  // it could otherwise still authenticate with the old one. One that starts
  // gets one with rotate_secret.
  if (!m->uses_secret()) row->secret_digest.clear();
  row->metadata = json::serialize(to_json(*m));
  row->updated_at = clock_();
  if (auto changed = store_.update(*row); !changed) return from_store(changed.error());
  return Client{row->id, std::move(*m), row->created_at, row->updated_at, !row->secret_digest.empty()};
}

Registered<Registration> ClientRegistry::rotate_secret(std::string_view id) {
  auto row = stored(id);
  if (!row) return tl::unexpected(row.error());
  auto client = read(*row);
  if (!client) return tl::unexpected(client.error());
  if (!client->metadata.uses_secret())
    return tl::unexpected(RegistryFailure{
        RegistryError::invalid_metadata,
        {"invalid_client_metadata", "this client has no secret (token_endpoint_auth_method " +
                                        std::string(name_of(client->metadata.token_endpoint_auth_method)) + ")"}});
  Registration r;
  r.secret = crypto::random_token(kSecretBytes);
  row->secret_digest = digest(r.secret);
  row->updated_at = clock_();
  if (auto changed = store_.update(*row); !changed) return from_store(changed.error());
  client->has_secret = true;
  client->updated_at = row->updated_at;
  r.client = std::move(*client);
  return r;
}

Registered<void> ClientRegistry::remove(std::string_view id) {
  if (auto gone = store_.remove(id); !gone) return from_store(gone.error());
  return {};
}

Registered<Client> ClientRegistry::authenticate(std::string_view id, std::string_view secret) {
  auto row = stored(id);
  if (!row) {
    (void)matches("", secret);  // the same work for an unknown id
    return tl::unexpected(row.error());
  }
  if (!matches(row->secret_digest, secret)) return failed(RegistryError::unauthorized);
  return read(*row);
}

Registered<Client> ClientRegistry::by_registration_token(std::string_view id, std::string_view token) {
  auto row = stored(id);
  if (!row) return tl::unexpected(row.error());
  if (!matches(row->registration_digest, token)) return failed(RegistryError::not_found);
  return read(*row);
}

}  // namespace latchkey::oidc
