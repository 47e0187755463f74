#include "token/keyset.hpp"

#include <stdexcept>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"

namespace latchkey::token {

std::string_view alg_name(Alg a) {
  switch (a) {
    case Alg::HS256: return "HS256";
  }
  return "";
}

std::optional<Alg> alg_from_name(std::string_view name) {
  if (name == "HS256") return Alg::HS256;
  return std::nullopt;
}

KeySet::KeySet(std::vector<SigningKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("a key set needs at least one key");
}

const SigningKey* KeySet::find(std::string_view kid) const {
  for (const auto& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string kid_for_secret(std::string_view secret) {
  std::string digest = crypto::sha256(std::string("latchkey-kid:").append(secret));
  return "hs-" + crypto::base64url_encode(std::string_view(digest).substr(0, 9));
}

}  // namespace latchkey::token
