#pragma once
// The signing keys the server starts with: HS256 under SECRET_KEY when it is
// configured; otherwise the keys kept in the database, a strong one being
// generated and stored on first start so that tokens survive restarts.
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "store/store.hpp"
#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

// Blocking (store). The error is a one-line reason, for start-up.
tl::expected<token::KeySet, std::string> load_signing_keys(store::Store& store,
                                                          const std::optional<std::string>& secret,
                                                          UnixSeconds now);

// The secret that keys the refresh-token chain: generated once and kept in
// the database, so every instance and every restart derives the same chain.
// Blocking (store).
tl::expected<std::string, std::string> load_refresh_secret(store::Store& store, UnixSeconds now);

}  // namespace latchkey::auth
