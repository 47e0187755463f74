#pragma once
// FactorStore and MfaChallengeStore as statements, once for both backends.
// `C` is the backend's runner on one connection (sqlite::Calls,
// postgres::PgCalls), with run, change (not_found when no row changed),
// insert (a taken key is a plain conflict), one and all. The backends add
// only the connection and, where two statements must hold as one, the
// transaction (replace_recovery_codes, remove_all).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"
#include "store/sql/rows.hpp"
#include "store/sql/statements.hpp"

namespace latchkey::store::sql {

// A conditional write's answer: whether a row changed.
inline Result<bool> changed(Result<void> r) {
  if (r) return true;
  if (r.error() == StoreError::not_found) return false;
  return tl::unexpected(r.error());
}

template <class C>
Result<TotpFactor> find_totp(C& c, const Statements& st, std::string_view user_id) {
  return c.one(st.find_totp, read_totp, user_id);
}

// Nothing written: a confirmed one exists (conflict) or the user does not.
template <class C>
Result<void> put_pending_totp(C& c, const Statements& st, const TotpFactor& f) {
  auto put = c.change(st.put_pending_totp, f.user_id, f.sealed_secret, f.created_at);
  if (put || put.error() != StoreError::not_found) return put;
  auto existing = find_totp(c, st, f.user_id);
  if (existing) return tl::unexpected(StoreError::conflict);
  return tl::unexpected(existing.error());
}

template <class C>
Result<bool> confirm_totp(C& c, const Statements& st, std::string_view user_id, std::int64_t step, UnixSeconds now) {
  auto done = changed(c.change(st.confirm_totp, user_id, step, now));
  if (!done || *done) return done;
  if (auto existing = find_totp(c, st, user_id); !existing) return tl::unexpected(existing.error());
  return false;
}

template <class C>
Result<bool> use_totp_step(C& c, const Statements& st, std::string_view user_id, std::int64_t step) {
  return changed(c.change(st.use_totp_step, user_id, step));
}

// Inside the backend's transaction.
template <class C>
Result<void> replace_recovery_codes(C& c, const Statements& st, std::string_view user_id,
                                    const std::vector<std::string>& digests, UnixSeconds now) {
  if (auto r = c.run(st.remove_recovery_codes, user_id); !r) return r;
  for (const std::string& d : digests) {
    auto r = c.insert(st.insert_recovery_code, user_id, d, now);
    // The user is gone (the foreign key): nothing of this call stays.
    if (!r) return tl::unexpected(r.error() == StoreError::conflict ? StoreError::not_found : r.error());
  }
  return {};
}

template <class C>
Result<bool> use_recovery_code(C& c, const Statements& st, std::string_view user_id, std::string_view digest,
                               UnixSeconds now) {
  return changed(c.change(st.use_recovery_code, user_id, digest, now));
}

template <class C>
Result<std::int64_t> unused_recovery_codes(C& c, const Statements& st, std::string_view user_id) {
  return c.one(st.count_recovery_codes, read_count, user_id);
}

// Inside the backend's transaction.
template <class C>
Result<std::int64_t> remove_all_factors(C& c, const Statements& st, std::string_view user_id) {
  std::int64_t removed = 0;
  auto totp = changed(c.change(st.remove_totp, user_id));
  if (!totp) return tl::unexpected(totp.error());
  removed += *totp ? 1 : 0;
  auto codes = changed(c.change(st.remove_recovery_codes, user_id));
  if (!codes) return tl::unexpected(codes.error());
  removed += *codes ? 1 : 0;
  auto passkeys = c.all(st.remove_passkeys, read_text, user_id);
  if (!passkeys) return tl::unexpected(passkeys.error());
  removed += static_cast<std::int64_t>(passkeys->size());
  return removed;
}

// The user must exist (the foreign key would refuse it anyway, as a conflict
// that would read as a taken credential id).
template <class C>
Result<void> add_passkey(C& c, const Statements& st, const Passkey& p) {
  if (auto user = c.one(st.find_user_by_id, read_text, p.user_id); !user) return tl::unexpected(user.error());
  return c.insert(st.insert_passkey, p.credential_id, p.user_id, p.name, p.alg, p.public_key, p.sign_count, p.aaguid,
                  std::int64_t{p.backup_eligible ? 1 : 0}, p.created_at, p.last_used_at);
}

template <class C>
Result<void> create_mfa_challenge(C& c, const Statements& st, const MfaChallenge& x) {
  if (auto user = c.one(st.find_user_by_id, read_text, x.user_id); !user) return tl::unexpected(user.error());
  return c.insert(st.insert_mfa_challenge, x.token_hash, x.user_id, x.binding, x.amr, x.auth_time, x.created_at,
                  x.expires_at, x.failures, x.used_at);
}

}  // namespace latchkey::store::sql
