#include "email/links.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/random.hpp"
#include "crypto/digest.hpp"
#include "mail/link_seal.hpp"

namespace latchkey::email {

std::string token_digest(std::string_view token) { return crypto::token_digest(token); }

auth::Expected<void> send_link(store::Store& store, const Options& options, const Link& link, const store::User& user,
                               std::string_view address, UnixSeconds now) {
  const std::string token = crypto::random_token(32);
  store::EmailToken t;
  t.token_hash = token_digest(token);
  t.user_id = user.id;
  t.purpose = std::string(link.purpose);
  t.address = std::string(address);
  t.created_at = now;
  t.expires_at = now + link.ttl;
  boost::json::object detail;
  detail["username"] = user.username;
  std::string url = options.public_url;
  url.append(link.path).append("?token=").append(token);
  mail::put_link(detail, url, address, options.sealing_key);
  store::OutboxMail m;
  m.kind = std::string(link.kind);
  m.user_id = user.id;
  m.recipient = std::string(address);
  m.detail = boost::json::serialize(detail);
  m.created_at = now;
  m.next_attempt_at = now;
  auto issued = store.mail().issue_token(t, m);
  if (issued) return {};
  if (issued.error() == store::StoreError::not_found) return tl::unexpected(auth::AuthError::user_not_found);
  return tl::unexpected(auth::from_store(issued.error()));
}

}  // namespace latchkey::email
