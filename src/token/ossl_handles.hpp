#pragma once
// Owning handles for the OpenSSL objects the token module makes and frees
// within one call (internal to src/token). Each is a unique_ptr whose deleter
// is the matching *_free function.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <memory>

namespace latchkey::token::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using Bio = Handle<BIO, BIO_free_all>;
using Bignum = Handle<BIGNUM, BN_free>;
using MdCtx = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using PkeyCtx = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EcdsaSig = Handle<ECDSA_SIG, ECDSA_SIG_free>;
using ParamBuilder = Handle<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = Handle<OSSL_PARAM, OSSL_PARAM_free>;

}  // namespace latchkey::token::ossl
