// webauthn/: the registration and authentication ceremonies on credentials
// made here with OpenSSL keys (ES256, EdDSA, RS256) and encoded with libcbor
// as an authenticator would; every failure of the enum; and libfido2's
// fido_assert_verify as an independent check of the same assertions.
#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor_value.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"

namespace latchkey::webauthn {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

const RelyingParty kRp{"localhost", {"http://localhost:5000"}};

Pkey generate(CoseAlg alg) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case CoseAlg::es256: k = EVP_EC_gen("P-256"); break;
    case CoseAlg::eddsa: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case CoseAlg::rs256: k = EVP_RSA_gen(2048); break;
  }
  return Pkey(k, EVP_PKEY_free);
}

std::string bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string octets_param(const EVP_PKEY* k, const char* name) {
  std::size_t n = 0;
  EVP_PKEY_get_octet_string_param(k, name, nullptr, 0, &n);
  std::string out(n, '\0');
  EVP_PKEY_get_octet_string_param(k, name, reinterpret_cast<unsigned char*>(out.data()), n, &n);
  return out;
}

cbor_item_t* bytes_item(const std::string& s) {
  return cbor_build_bytestring(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

cbor_item_t* int_item(long v) {
  return v >= 0 ? cbor_build_uint32(static_cast<std::uint32_t>(v)) : cbor_build_negint32(static_cast<std::uint32_t>(-1 - v));
}

std::string serialize(cbor_item_t* item) {
  unsigned char* buf = nullptr;
  std::size_t size = 0;
  const std::size_t n = cbor_serialize_alloc(item, &buf, &size);
  std::string out(reinterpret_cast<const char*>(buf), n);
  free(buf);
  cbor_decref(&item);
  return out;
}

void put(cbor_item_t* map, cbor_item_t* k, cbor_item_t* v) {
  cbor_map_add(map, cbor_pair{cbor_move(k), cbor_move(v)});
}

// The COSE_Key of `k` as an authenticator writes it.
std::string cose_of(const EVP_PKEY* k, CoseAlg alg) {
  cbor_item_t* m = cbor_new_definite_map(5);
  switch (alg) {
    case CoseAlg::es256: {
      const std::string point = octets_param(k, "encoded-pub-key");  // 04 || x || y
      put(m, int_item(1), int_item(2));
      put(m, int_item(3), int_item(-7));
      put(m, int_item(-1), int_item(1));
      put(m, int_item(-2), bytes_item(point.substr(1, 32)));
      put(m, int_item(-3), bytes_item(point.substr(33, 32)));
      break;
    }
    case CoseAlg::eddsa:
      put(m, int_item(1), int_item(1));
      put(m, int_item(3), int_item(-8));
      put(m, int_item(-1), int_item(6));
      put(m, int_item(-2), bytes_item(octets_param(k, "pub")));
      break;
    case CoseAlg::rs256:
      put(m, int_item(1), int_item(3));
      put(m, int_item(3), int_item(-257));
      put(m, int_item(-1), bytes_item(bn_param(k, "n")));
      put(m, int_item(-2), bytes_item(bn_param(k, "e")));
      break;
  }
  return serialize(m);
}

std::string be32(std::uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
}

constexpr std::uint8_t kUp = 0x01, kUv = 0x04, kAt = 0x40;

std::string auth_data(std::uint8_t flags, std::uint32_t count, const std::string& rp_id = "localhost",
                      const std::string& credential_id = {}, const std::string& cose = {}) {
  std::string d = crypto::sha256(rp_id) + static_cast<char>(flags) + be32(count);
  if (flags & kAt) {
    d += std::string(16, '\x11');  // AAGUID
    d += static_cast<char>(credential_id.size() >> 8);
    d += static_cast<char>(credential_id.size() & 0xff);
    d += credential_id + cose;
  }
  return d;
}

std::string attestation(const std::string& data) {
  cbor_item_t* m = cbor_new_definite_map(3);
  put(m, cbor_build_string("fmt"), cbor_build_string("none"));
  put(m, cbor_build_string("attStmt"), cbor_new_definite_map(0));
  put(m, cbor_build_string("authData"), bytes_item(data));
  return serialize(m);
}

std::string client_data(const std::string& type, const std::string& challenge,
                        const std::string& origin = "http://localhost:5000") {
  return R"({"type":")" + type + R"(","challenge":")" + challenge + R"(","origin":")" + origin +
         R"(","crossOrigin":false})";
}

std::string sign(EVP_PKEY* k, CoseAlg alg, const std::string& data, const std::string& cdj) {
  const std::string msg = data + crypto::sha256(cdj);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, alg == CoseAlg::eddsa ? nullptr : EVP_sha256(), nullptr, k);
  std::size_t n = 0;
  EVP_DigestSign(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  std::string sig(n, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                 reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  sig.resize(n);
  return sig;
}

// libfido2's own verdict on the same assertion.
bool fido_verifies(EVP_PKEY* k, CoseAlg alg, const std::string& data, const std::string& cdj, const std::string& sig,
                   bool uv) {
  fido_assert_t* a = fido_assert_new();
  const std::string hash = crypto::sha256(cdj);
  fido_assert_set_clientdata_hash(a, reinterpret_cast<const unsigned char*>(hash.data()), hash.size());
  fido_assert_set_rp(a, "localhost");
  fido_assert_set_count(a, 1);
  fido_assert_set_authdata_raw(a, 0, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  fido_assert_set_sig(a, 0, reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
  fido_assert_set_up(a, FIDO_OPT_TRUE);
  fido_assert_set_uv(a, uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
  int rc = FIDO_ERR_INTERNAL;
  if (alg == CoseAlg::es256) {
    es256_pk_t* pk = es256_pk_new();
    es256_pk_from_EVP_PKEY(pk, k);
    rc = fido_assert_verify(a, 0, COSE_ES256, pk);
    es256_pk_free(&pk);
  } else if (alg == CoseAlg::eddsa) {
    eddsa_pk_t* pk = eddsa_pk_new();
    eddsa_pk_from_EVP_PKEY(pk, k);
    rc = fido_assert_verify(a, 0, COSE_EDDSA, pk);
    eddsa_pk_free(&pk);
  } else {
    rs256_pk_t* pk = rs256_pk_new();
    rs256_pk_from_EVP_PKEY(pk, k);
    rc = fido_assert_verify(a, 0, COSE_RS256, pk);
    rs256_pk_free(&pk);
  }
  fido_assert_free(&a);
  return rc == FIDO_OK;
}

class Ceremonies : public ::testing::TestWithParam<CoseAlg> {
 protected:
  void SetUp() override {
    crypto::init();
    key_ = generate(GetParam());
    ASSERT_TRUE(key_);
    credential_id_ = crypto::random_bytes(32);
    challenge_ = crypto::base64url_encode(crypto::random_bytes(32));
  }
  NewCredential registered() {
    const std::string cdj = client_data("webauthn.create", challenge_);
    const std::string att =
        attestation(auth_data(kUp | kUv | kAt, 0, "localhost", credential_id_, cose_of(key_.get(), GetParam())));
    auto r = verify_registration(kRp, challenge_, cdj, att, true);
    EXPECT_TRUE(r) << static_cast<int>(r.error());
    return std::move(r).value();
  }
  Pkey key_{nullptr, EVP_PKEY_free};
  std::string credential_id_;
  std::string challenge_;
};

TEST_P(Ceremonies, RegistrationGivesTheCredentialAndItsKey) {
  const NewCredential c = registered();
  EXPECT_EQ(c.credential_id, credential_id_);
  EXPECT_EQ(c.key.alg, GetParam());
  EXPECT_TRUE(c.user_verified);
  EXPECT_EQ(c.aaguid, std::string(16, '\x11'));
  // What is stored loads back.
  auto loaded = load_public_key(c.key.alg, c.key.spki);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->spki, c.key.spki);
}

TEST_P(Ceremonies, AnAssertionVerifiesHereAndInLibfido2) {
  const NewCredential c = registered();
  const std::string get_challenge = crypto::base64url_encode(crypto::random_bytes(32));
  const std::string cdj = client_data("webauthn.get", get_challenge);
  const std::string data = auth_data(kUp | kUv, 7);
  const std::string sig = sign(key_.get(), GetParam(), data, cdj);
  auto a = verify_assertion(kRp, get_challenge, cdj, data, sig, c.key, 0, true);
  ASSERT_TRUE(a) << static_cast<int>(a.error());
  EXPECT_EQ(a->sign_count, 7u);
  EXPECT_TRUE(a->user_verified);
  EXPECT_TRUE(fido_verifies(key_.get(), GetParam(), data, cdj, sig, true));

  // Any byte of the signed data changed: both refuse.
  std::string tampered = data;
  tampered[36] = 8;
  EXPECT_EQ(verify_assertion(kRp, get_challenge, cdj, tampered, sig, c.key, 0, true).error(),
            CeremonyError::bad_signature);
  EXPECT_FALSE(fido_verifies(key_.get(), GetParam(), tampered, cdj, sig, true));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Ceremonies,
                         ::testing::Values(CoseAlg::es256, CoseAlg::eddsa, CoseAlg::rs256),
                         [](const ::testing::TestParamInfo<CoseAlg>& p) {
                           return p.param == CoseAlg::es256 ? "ES256" : p.param == CoseAlg::eddsa ? "EdDSA" : "RS256";
                         });

class CeremonyFailures : public Ceremonies {};

TEST_P(CeremonyFailures, EachCheckHasItsFailure) {
  const NewCredential c = registered();
  const std::string ch = crypto::base64url_encode(crypto::random_bytes(32));
  const std::string cdj = client_data("webauthn.get", ch);
  auto assert_with = [&](const std::string& client, const std::string& data, std::uint32_t stored, bool uv) {
    return verify_assertion(kRp, ch, client, data, sign(key_.get(), GetParam(), data, client), c.key, stored, uv);
  };
  EXPECT_EQ(assert_with(client_data("webauthn.create", ch), auth_data(kUp, 1), 0, false).error(),
            CeremonyError::wrong_type);
  EXPECT_EQ(assert_with(client_data("webauthn.get", "other"), auth_data(kUp, 1), 0, false).error(),
            CeremonyError::wrong_challenge);
  EXPECT_EQ(assert_with(client_data("webauthn.get", ch, "http://evil.example"), auth_data(kUp, 1), 0, false).error(),
            CeremonyError::wrong_origin);
  const std::string cross = R"({"type":"webauthn.get","challenge":")" + ch +
                            R"(","origin":"http://localhost:5000","crossOrigin":true})";
  EXPECT_EQ(assert_with(cross, auth_data(kUp, 1), 0, false).error(), CeremonyError::wrong_origin);
  EXPECT_EQ(assert_with(cdj, auth_data(kUp, 1, "evil.example"), 0, false).error(), CeremonyError::wrong_rp);
  EXPECT_EQ(assert_with(cdj, auth_data(0, 1), 0, false).error(), CeremonyError::user_not_present);
  EXPECT_EQ(assert_with(cdj, auth_data(kUp, 1), 0, true).error(), CeremonyError::user_not_verified);
  EXPECT_EQ(assert_with("{not json", auth_data(kUp, 1), 0, false).error(), CeremonyError::malformed);
  EXPECT_EQ(assert_with(cdj, "short", 0, false).error(), CeremonyError::malformed);
  // The counter: equal or lower refused once either is non-zero; 0 and 0 pass.
  EXPECT_EQ(assert_with(cdj, auth_data(kUp, 5), 5, false).error(), CeremonyError::counter_regressed);
  EXPECT_EQ(assert_with(cdj, auth_data(kUp, 4), 5, false).error(), CeremonyError::counter_regressed);
  EXPECT_EQ(assert_with(cdj, auth_data(kUp, 0), 5, false).error(), CeremonyError::counter_regressed);
  EXPECT_TRUE(assert_with(cdj, auth_data(kUp, 0), 0, false));
  EXPECT_TRUE(assert_with(cdj, auth_data(kUp, 6), 5, false));
  // An empty expected challenge never matches (no challenge was issued).
  EXPECT_EQ(verify_assertion(kRp, "", client_data("webauthn.get", ""), auth_data(kUp, 1), "sig", c.key, 0, false).error(),
            CeremonyError::wrong_challenge);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CeremonyFailures, ::testing::Values(CoseAlg::es256, CoseAlg::eddsa));

TEST(Registration, RefusesWhatIsNotACredentialOfOurs) {
  crypto::init();
  const std::string ch = "challenge";
  const std::string cdj = client_data("webauthn.create", ch);
  Pkey k = generate(CoseAlg::es256);
  const std::string cose = cose_of(k.get(), CoseAlg::es256);
  EXPECT_EQ(verify_registration(kRp, ch, cdj, attestation(auth_data(kUp, 0)), false).error(),
            CeremonyError::no_credential);
  EXPECT_EQ(verify_registration(kRp, ch, cdj, "\xa0", false).error(), CeremonyError::malformed);
  EXPECT_EQ(verify_registration(kRp, ch, cdj, attestation(auth_data(kUp | kAt, 0, "localhost", "id", cose)), true).error(),
            CeremonyError::user_not_verified);
  // A P-384 key (alg -35) and a key type that disagrees with its algorithm.
  cbor_item_t* m = cbor_new_definite_map(2);
  put(m, int_item(1), int_item(2));
  put(m, int_item(3), int_item(-35));
  EXPECT_EQ(verify_registration(kRp, ch, cdj, attestation(auth_data(kUp | kAt, 0, "localhost", "id", serialize(m))), false)
                .error(),
            CeremonyError::unsupported_key);
  // A point that is not on the curve.
  std::string bad = cose;
  bad[bad.size() - 1] ^= 0x01;
  EXPECT_EQ(verify_registration(kRp, ch, cdj, attestation(auth_data(kUp | kAt, 0, "localhost", "id", bad)), false).error(),
            CeremonyError::unsupported_key);
}

// A header may declare more than the input holds; libcbor would allocate it
// first (webauthn_fuzz found a map of 2^31 pairs in 5 bytes).
TEST(Cbor, DeclaredSizesMustFitTheInput) {
  auto bytes = [](std::string_view s) {
    return std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  EXPECT_FALSE(CborValue::decode(bytes(std::string_view("\xba\x83\x1d\x97\x63", 5))));    // map, 2^31 pairs
  EXPECT_FALSE(CborValue::decode(bytes(std::string_view("\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9))));  // array
  EXPECT_FALSE(CborValue::decode(bytes(std::string_view("\x5a\x7f\xff\xff\xff", 5))));    // byte string
  EXPECT_FALSE(CborValue::decode(bytes(std::string_view("\x5f\x41\x00\xff", 4))));          // indefinite
  EXPECT_FALSE(CborValue::decode(bytes(std::string_view("\xa1\x01", 2))));                    // a pair short
  auto ok = CborValue::decode(bytes(std::string_view("\xa2\x01\x02\x03\x42\xaa\xbb", 7)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at(1)->integer(), 2);
  EXPECT_EQ(ok->at(3)->bytes(), std::string("\xaa\xbb"));
}

TEST(AuthenticatorData, ParsesWhatTheFlagsSayAndNothingMore) {
  const std::string plain = auth_data(kUp, 258);
  auto d = parse_authenticator_data(plain);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->sign_count, 258u);
  EXPECT_TRUE(d->user_present());
  EXPECT_FALSE(d->credential);
  EXPECT_EQ(parse_authenticator_data(plain + "x").error(), DataError::trailing_bytes);
  EXPECT_EQ(parse_authenticator_data(plain.substr(0, 36)).error(), DataError::too_short);
  EXPECT_EQ(parse_authenticator_data(auth_data(kUp | kAt, 0)).error(), DataError::bad_credential);
  std::string backed_not_eligible = plain;
  backed_not_eligible[32] = static_cast<char>(kUp | 0x10);
  EXPECT_EQ(parse_authenticator_data(backed_not_eligible).error(), DataError::bad_flags);
}

TEST(ClientData, ReadsTheMembersStrictly) {
  auto c = parse_client_data(R"({"type":"webauthn.get","challenge":"abc","origin":"http://localhost:5000"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->challenge, "abc");
  EXPECT_FALSE(c->cross_origin);
  EXPECT_EQ(parse_client_data(R"({"type":"webauthn.get","origin":"x"})").error(), ClientDataError::missing_member);
  EXPECT_EQ(parse_client_data(R"({"type":1,"challenge":"a","origin":"x"})").error(), ClientDataError::missing_member);
  EXPECT_EQ(parse_client_data(R"({"type":"a","challenge":"a","origin":"x","crossOrigin":"no"})").error(),
            ClientDataError::wrong_type);
  EXPECT_EQ(parse_client_data("[]").error(), ClientDataError::not_json);
  EXPECT_EQ(parse_client_data(std::string(9000, ' ')).error(), ClientDataError::not_json);
}

}  // namespace
}  // namespace latchkey::webauthn
