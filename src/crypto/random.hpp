#pragma once
// Randomness from the operating system's CSPRNG (libsodium randombytes).
#include <cstddef>
#include <string>

namespace latchkey::crypto {

// Must run once before any other crypto call (start-up; throws on failure).
void init();

std::string random_bytes(std::size_t n);

// n random bytes, base64url without padding: for ids and opaque tokens.
std::string random_token(std::size_t n);

// A random (version 4) UUID in its canonical text form.
std::string random_uuid();

}  // namespace latchkey::crypto
