#include "auth/token_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "util/log.hpp"

namespace latchkey::auth {

TokenState::TokenState(token::KeySet keys, UnixSeconds lifetime, std::size_t cache_size, UnixSeconds leeway)
    : keys_(std::make_shared<const token::KeySet>(std::move(keys))),
      lifetime_(lifetime),
      verified_(cache_size, leeway) {
  if (keys_.load()->empty()) throw std::invalid_argument("the auth service needs a signing key");
}

void TokenState::set_keys(token::KeySet keys) {
  if (keys.empty()) return;
  auto next = std::make_shared<const token::KeySet>(std::move(keys));
  auto before = keys_.exchange(next);
  auto kids = [](const token::KeySet& k) {
    std::vector<std::string_view> out;
    for (const auto& key : k.keys()) out.push_back(key.kid);
    std::sort(out.begin(), out.end());
    return out;
  };
  if (kids(*before) != kids(*next)) verified_.clear();
  if (before->current().kid != next->current().kid) {
    log::info("keys.signer_changed", {{"kid", std::string_view(next->current().kid)},
                                      {"alg", token::alg_name(next->current().alg)}});
  }
}

void TokenState::revoked_after_commit(store::Database& db, std::string session_id, UnixSeconds now) {
  db.after_commit([this, id = std::move(session_id), now](bool committed) {
    if (!committed) return;
    revoked_.prune(now);
    revoked_.add(id, now + lifetime_);
  });
}

void TokenState::revoked_after_commit(store::Database& db, const std::vector<std::string>& session_ids,
                                      UnixSeconds now) {
  for (const auto& id : session_ids) revoked_after_commit(db, id, now);
}

void TokenState::note_revoked(std::string_view session_id, UnixSeconds revoked_at) {
  revoked_.add(session_id, revoked_at + lifetime_);
}

}  // namespace latchkey::auth
