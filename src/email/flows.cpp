#include "email/flows.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "util/log.hpp"

namespace latchkey::email {

auth::Expected<void> Flows::admit_mail_request(std::string_view address, const auth::Client& client,
                                               UnixSeconds* retry_after) {
  using abuse::Limit;
  const abuse::Key bumps[] = {abuse::per_ip(Limit::mail_ip, client.ip),
                              abuse::per_account(Limit::mail_address, address)};
  const auto gate = service_.limits().admit(bumps, {}, service_.clock()());
  if (gate.verdict) return {};
  service_.limits().count_refusal(gate.verdict.limit);
  log::info("email.rate_limited", {{"limit", abuse::name_of(gate.verdict.limit)}});
  if (retry_after) *retry_after = gate.verdict.retry_after;
  return tl::unexpected(auth::AuthError::rate_limited);
}

auth::Expected<auth::NewAccount> Flows::prepare_signup(std::string_view username, std::string_view password,
                                                       std::string address, const auth::Client& client,
                                                       UnixSeconds* retry_after) {
  auto account = service_.accounts().prepare_signup(username, password, client, retry_after);
  if (account) account->set_email(std::move(address));
  return account;
}

auth::Expected<void> Flows::complete_signup(auth::NewAccount account, const auth::Client& client) {
  auto user = service_.accounts().complete_signup(std::move(account), client);
  if (!user) return tl::unexpected(user.error());
  if (user->email.empty() || !options_.mail_on) return {};
  if (auto sent = addresses_.send_verification(*user, user->email, client); !sent)
    log::warn("email.verification_failed", {{"user_id", std::string_view(user->id)}});
  return {};
}

auth::Expected<std::string> Flows::resend(const auth::Principal& caller, const auth::Client& client,
                                          UnixSeconds* retry_after) {
  if (!options_.mail_on) return tl::unexpected(auth::AuthError::mail_unavailable);
  auto user = addresses_.current(caller);
  if (!user) return tl::unexpected(user.error());
  if (user->email.empty()) return tl::unexpected(auth::AuthError::no_email);
  if (user->email_verified) return tl::unexpected(auth::AuthError::email_already_verified);
  if (auto ok = admit_mail_request(user->email, client, retry_after); !ok) return tl::unexpected(ok.error());
  if (auto sent = addresses_.send_verification(*user, user->email, client); !sent) return tl::unexpected(sent.error());
  return user->email;
}

void Flows::after_unverified_login(const store::User& user, const auth::Client& client) {
  if (!options_.mail_on || user.email.empty()) return;
  if (!admit_mail_request(user.email, client)) return;
  if (auto sent = addresses_.send_verification(user, user.email, client); !sent)
    log::warn("email.verification_failed", {{"user_id", std::string_view(user.id)}});
}

void Flows::request_reset_later(WorkerPool& pool, const boost::asio::any_io_executor& executor, std::string address,
                                const auth::Client& client) {
  // Owned by the job: the request is answered before it runs.
  auto job = [this, &pool, address = std::move(address), ua = std::string(client.user_agent),
              ip = std::string(client.ip)]() -> boost::asio::awaitable<void> {
    (void)co_await pool.run([&] {
      reset_.request(address, auth::Client{ua, ip});
      return true;
    });
  };
  boost::asio::co_spawn(executor, std::move(job), boost::asio::detached);
}

}  // namespace latchkey::email
