#include "email/addresses.hpp"

#include "email/links.hpp"
#include "mail/address.hpp"
#include "mail/kinds.hpp"
#include "util/log.hpp"

namespace latchkey::email {

using auth::AuthError;

namespace {

constexpr Link kVerification{store::kVerifyEmail, mail::kVerifyEmail, "/verify-email", 0};

}  // namespace

auth::Expected<std::string> address_of(std::string_view text) {
  auto address = mail::normalise_address(text);
  if (!address) return tl::unexpected(AuthError::email_invalid);
  return std::move(*address);
}

auth::Expected<void> Addresses::send_verification(const store::User& user, std::string_view address,
                                                  const auth::Client& client) {
  if (!options_.mail_on) return tl::unexpected(AuthError::mail_unavailable);
  Link link = kVerification;
  link.ttl = options_.verify_ttl;
  const UnixSeconds now = service_.clock()();
  if (auto sent = send_link(service_.store(), options_, link, user, address, now); !sent) return sent;
  log::info("email.verification_sent", {{"user_id", std::string_view(user.id)}});
  service_.context().record({.event = "email_verification_sent", .user_id = user.id, .username = user.username},
                            client);
  return {};
}

auth::Expected<store::User> Addresses::current(const auth::Principal& caller) {
  auto user = service_.store().users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return auth::store_failure(user);
  }
  return std::move(*user);
}

auth::Expected<store::User> Addresses::confirm(std::string_view token, const auth::Client& client) {
  if (token.empty() || token.size() > 128) return tl::unexpected(AuthError::email_token_invalid);
  auto user = service_.store().mail().verify_email(token_digest(token), service_.clock()());
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::email_token_invalid);
    if (user.error() == store::StoreError::conflict) return tl::unexpected(AuthError::email_taken);
    return auth::store_failure(user);
  }
  log::info("email.verified", {{"user_id", std::string_view(user->id)}});
  service_.context().record({.event = "email_verified", .user_id = user->id, .username = user->username}, client);
  return std::move(*user);
}

auth::Expected<std::string> Addresses::change(const auth::Principal& caller, std::string_view address,
                                              std::string_view password, const auth::Client& client) {
  if (!options_.mail_on) return tl::unexpected(AuthError::mail_unavailable);
  auto normal = address_of(address);
  if (!normal) return tl::unexpected(normal.error());
  if (password.empty()) return tl::unexpected(AuthError::password_required);
  auto user = service_.accounts().verify_current_password(caller, password, client, "email_change_failed");
  if (!user) return tl::unexpected(user.error());
  // Taken by another account: said now (the caller proved its password),
  // rather than by a link that could never work.
  if (auto owner = service_.store().users().find_by_email(*normal); owner && owner->id != user->id)
    return tl::unexpected(AuthError::email_taken);
  if (user->email == *normal && user->email_verified) return tl::unexpected(AuthError::email_already_verified);
  if (auto sent = send_verification(*user, *normal, client); !sent) return tl::unexpected(sent.error());
  service_.context().record({.event = "email_change_requested", .user_id = user->id, .username = user->username},
                            client);
  return std::move(*normal);
}

}  // namespace latchkey::email
