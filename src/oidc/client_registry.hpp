#pragma once
// The registered clients, as registration (RFC 7591/7592), the admin API,
// the CLI and the token endpoint use them: ids and secrets are made here
// (random, secrets shown once and kept only as SHA-256 digests, compared in
// constant time), metadata is checked (client_metadata.hpp) before it is
// stored. Every method blocks (the store): run it on the database lane.
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "oidc/client_metadata.hpp"
#include "store/client_store.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

// A stored client with its metadata read back.
struct Client {
  std::string id;
  ClientMetadata metadata;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  bool has_secret = false;
};

// What registration answers once: the secrets in clear (never again).
struct Registration {
  Client client;
  std::string secret;              // empty when the client uses none (public, private_key_jwt)
  std::string registration_token;  // RFC 7592's registration access token
};

// Why a registry call failed; the edge maps each to its answer.
enum class RegistryError {
  invalid_metadata,  // see the MetadataError
  not_found,         // no such client (or a wrong registration token: the same answer)
  unauthorized,      // a wrong client secret
  unavailable,       // the database: try again
};

struct RegistryFailure {
  RegistryError error;
  MetadataError metadata = {};  // when invalid_metadata
};

template <class T>
using Registered = tl::expected<T, RegistryFailure>;

class ClientRegistry {
 public:
  // The algorithms a key here signs id_tokens with, as discovery lists them.
  using IdTokenAlgs = std::function<std::vector<std::string>()>;

  // `id_token_algs` empty: a client's id_token_signed_response_alg is not
  // checked against the keys (the CLI holds none; the token endpoint still
  // refuses a client whose algorithm no key signs).
  ClientRegistry(store::ClientStore& store, Clock clock, IdTokenAlgs id_token_algs = {})
      : store_(store), clock_(std::move(clock)), id_token_algs_(std::move(id_token_algs)) {}

  // A new client from registration metadata; `administrator`: the initial
  // access token or the CLI (may set first_party).
  Registered<Registration> add(const boost::json::object& metadata, bool administrator);
  Registered<Client> find(std::string_view id);
  Registered<std::vector<Client>> list(std::string_view after, std::size_t limit);
  // Replaces the metadata (RFC 7592 section 2.2: the whole of it).
  Registered<Client> update(std::string_view id, const boost::json::object& metadata, bool administrator);
  // A new secret (shown once); the old one stops working at once.
  Registered<Registration> rotate_secret(std::string_view id);
  Registered<void> remove(std::string_view id);

  // The client whose secret this is (the token endpoint): unauthorized for
  // a wrong secret, not_found for an unknown id, both after the same work.
  Registered<Client> authenticate(std::string_view id, std::string_view secret);
  // The client this registration access token manages (RFC 7592 section 3):
  // not_found for an unknown id and for a wrong token alike.
  Registered<Client> by_registration_token(std::string_view id, std::string_view token);

 private:
  Registered<store::OAuthClient> stored(std::string_view id);
  // New or replaced metadata: invalid_client_metadata for a client of the
  // code flow whose id_token algorithm no key here signs (RFC 7591 2: the
  // server may refuse a value it does not support).
  Registered<void> signable(const ClientMetadata& m) const;
  Registered<Client> read(const store::OAuthClient& row);

  // Metadata parsed before, by client id, reused while the row holds the
  // very same text: every call still reads the row (an update or a delete
  // counts at once, on every instance), only the JSON parse and the checks
  // of what was checked when it was stored are saved (two per code flow:
  // 2-3% of its CPU). Bounded: emptied past kParsedMax entries.
  struct Parsed {
    std::string text;
    ClientMetadata metadata;
  };
  static constexpr std::size_t kParsedMax = 4096;
  std::mutex parsed_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Parsed>> parsed_;

  store::ClientStore& store_;
  Clock clock_;
  IdTokenAlgs id_token_algs_;
};

}  // namespace latchkey::oidc
