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

// As random_token, but from a per-thread buffer of the same randomness,
// refilled every 4 KiB: one system call per few hundred ids instead of one
// each. For ids that must be unique and unguessable but guard nothing
// (request ids); secrets and session ids use random_token.
std::string buffered_random_token(std::size_t n);

// An id that is `n` random bytes after the current time in milliseconds (6
// bytes, big-endian), base64url: ids made close in time share a prefix, so a
// B-tree index on them grows at a few pages instead of a random page per
// insert (as UUIDv7, RFC 9562 5.7). For row ids that guard nothing by being
// secret (sessions, audit events); n >= 8 keeps them unguessable.
std::string time_ordered_token(std::size_t n);

// A random (version 4) UUID in its canonical text form.
std::string random_uuid();

}  // namespace latchkey::crypto
