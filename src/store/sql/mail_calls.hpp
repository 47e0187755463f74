#pragma once
// MailStore as statements, once for both backends (as factor_calls.hpp):
// `C` is the backend's runner on one connection. The backends add the
// connection and, where statements must hold as one, the transaction
// (issue_token, verify_email, set_notices).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"
#include "store/sql/rows.hpp"
#include "store/sql/statements.hpp"

namespace latchkey::store::sql {

// Inside the backend's transaction.
template <class C>
Result<void> issue_email_token(C& c, const Statements& st, const EmailToken& t, const OutboxMail& m) {
  if (auto user = c.one(st.find_user_by_id, read_text, t.user_id); !user) return tl::unexpected(user.error());
  if (auto r = c.run(st.void_email_tokens, t.user_id, t.purpose); !r) return r;
  if (auto r = c.insert(st.insert_email_token, t.token_hash, t.user_id, t.purpose, t.address, t.created_at,
                        t.expires_at, t.used_at);
      !r)
    return r;
  return c.run(st.insert_mail, m.kind, m.user_id, m.recipient, m.detail, m.created_at, m.next_attempt_at);
}

// Inside the backend's transaction: a taken address (the unique index of
// verified addresses) is a conflict, and the caller's rollback keeps the token.
template <class C>
Result<User> verify_email(C& c, const Statements& st, std::string_view token_hash, UnixSeconds now) {
  auto token = c.one(st.redeem_email_token, read_email_token, token_hash, kVerifyEmail, now);
  if (!token) return tl::unexpected(token.error());
  // insert's rule (a taken unique value is a plain conflict) for an UPDATE:
  // the token's foreign key holds the user's row.
  if (auto r = c.insert(st.set_user_email, token->user_id, token->address, std::int64_t{1}); !r)
    return tl::unexpected(r.error());
  return c.one(st.find_user_by_id, read_user, token->user_id);
}

// Inside the backend's transaction.
template <class C>
Result<void> set_notices(C& c, const Statements& st, const std::vector<std::string>& kinds) {
  if (auto r = c.run(st.clear_notices); !r) return r;
  for (const std::string& k : kinds)
    if (auto r = c.insert(st.insert_notice, k); !r) return r;
  return {};
}

}  // namespace latchkey::store::sql
