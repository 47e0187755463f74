// libFuzzer target: token::verify_access_token on arbitrary input, against a
// key set holding one key of each algorithm (HS256, ES256, EdDSA, RS256).
//
// Two shapes of input:
//  - anything that does not contain '\n': the bytes are the token, as a
//    client would present it. The fuzzer cannot forge a signature, so this
//    exercises everything up to and including the signature check.
//  - "<header JSON>\n<payload JSON>[\n<signature bytes>]": the harness encodes
//    both parts and signs them with the key the header's "kid" names (HS256
//    when none matches), so that the claim checks behind the signature are
//    reached with arbitrary claims. A third line, when present, replaces the
//    signature (raw bytes, base64url-encoded by the harness).
// Either way verification must never crash, leak or hit undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "token/jws.hpp"
#include "token/jwt.hpp"
#include "token/key_material.hpp"
#include "util/log.hpp"

namespace {

using namespace latchkey;

constexpr UnixSeconds kNow = 1'800'000'000;

const token::KeySet& keys() {
  static const token::KeySet set = [] {
    crypto::init();
    log::set_level(log::Level::error);
    std::vector<token::SigningKey> v;
    const std::pair<token::Alg, const char*> wanted[] = {
        {token::Alg::HS256, "hs"}, {token::Alg::ES256, "es"},
        {token::Alg::EdDSA, "ed"}, {token::Alg::RS256, "rs"}};
    for (const auto& [alg, kid] : wanted) {
      auto k = token::generate_key(alg, kid, kNow);
      if (!k) std::abort();
      v.push_back(std::move(*k));
    }
    return token::KeySet(std::move(v));
  }();
  return set;
}

const token::VerifyPolicy& policy() {
  static const token::VerifyPolicy p{"http://127.0.0.1:5000", "latchkey", 30, false};
  return p;
}

const token::SigningKey& signer_for(std::string_view header_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(header_json, ec);
  if (!ec && v.is_object()) {
    if (auto* kid = v.as_object().if_contains("kid"); kid && kid->is_string()) {
      if (const auto* k = keys().find(kid->get_string())) return *k;
    }
  }
  return keys().current();
}

void check(std::string_view token, bool self_signed) {
  auto r = token::verify_access_token(token, keys(), policy(), kNow);
  if (r) {
    // A token this harness did not sign cannot carry a valid signature.
    if (!self_signed) std::abort();
    // What verification accepted must satisfy the policy it enforced.
    if (r->iss != policy().issuer || r->aud != policy().audience) std::abort();
  }
  token::VerifyPolicy lax = policy();
  lax.ignore_expiry = true;
  (void)token::verify_access_token(token, keys(), lax, kNow);
  (void)token::looks_like_jwt(token);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)keys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  if (nl == std::string_view::npos) {
    check(in, false);
    return 0;
  }
  const std::string_view header = in.substr(0, nl);
  std::string_view payload = in.substr(nl + 1);
  std::string_view forged_sig;
  bool forged = false;
  if (const auto nl2 = payload.find('\n'); nl2 != std::string_view::npos) {
    forged_sig = payload.substr(nl2 + 1);
    payload = payload.substr(0, nl2);
    forged = true;
  }
  std::string token = crypto::base64url_encode(header);
  token += '.';
  token += crypto::base64url_encode(payload);
  std::string sig;
  if (forged) {
    sig = std::string(forged_sig);
  } else {
    try {
      sig = token::sign_signature(signer_for(header), token);
    } catch (const std::invalid_argument&) {
      std::abort();  // every key of the set can sign
    }
  }
  token += '.';
  token += crypto::base64url_encode(sig);
  check(token, !forged);
  return 0;
}
