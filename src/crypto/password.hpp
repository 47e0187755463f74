#pragma once
// argon2id password hashing (libsodium), PHC string format so parameters
// travel with each hash. Blocking and CPU-heavy (~13 ms, 19 MiB at the
// OWASP parameters): call only from the worker pool, never an I/O thread.
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::crypto {

struct PasswordParams {
  std::uint64_t ops = 2;                          // passes (OWASP: t=2)
  std::size_t mem_bytes = 19u * 1024u * 1024u;    // OWASP: m=19 MiB, p=1
};

enum class PasswordError { out_of_memory };

tl::expected<std::string, PasswordError> hash_password(std::string_view password,
                                                       const PasswordParams& params);

// Constant-time in the password; false for a malformed stored hash.
bool verify_password(std::string_view stored_hash, std::string_view password);

// True when the stored hash was made with other parameters than `params`.
bool needs_rehash(std::string_view stored_hash, const PasswordParams& params);

}  // namespace latchkey::crypto
