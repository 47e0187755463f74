#include "oidc/backchannel_delivery.hpp"

#include <algorithm>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "util/backoff.hpp"
#include "util/log.hpp"

namespace latchkey::oidc {

namespace {

constexpr std::size_t kMaxErrorCode = 64;

// An OAuth-style error code ("invalid_request"), short and of safe
// characters only: it goes to the logs and the stored last_error.
bool plain_code(std::string_view s) {
  if (s.empty() || s.size() > kMaxErrorCode) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Why an answer other than 200 or 204 failed: "HTTP 400", with the
// receiver's error code when its body is a JSON object with a plain one
// (section 2.8: {"error": "invalid_request", ...}). Nothing else of the body:
// a receiver that echoes what it was sent must not put the token in our
// logs, nor in the database.
std::string status_reason(const net::PostResult& r, std::string_view token) {
  std::string reason = "HTTP " + std::to_string(r.status);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body_prefix, ec);
  if (ec || !v.is_object()) return reason;
  const auto* error = v.get_object().if_contains("error");
  if (error == nullptr || !error->is_string()) return reason;
  const std::string_view code(error->get_string());
  if (plain_code(code) && token.find(code) == std::string_view::npos) {
    reason += " (";
    reason += code;
    reason += ')';
  }
  return reason;
}

}  // namespace

BackchannelDelivery::BackchannelDelivery(store::LogoutStore& store, TokenMaker make_token, Clock clock,
                                         BackchannelOptions options, Poster poster)
    : store_(store),
      make_token_(std::move(make_token)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      poster_(poster ? std::move(poster) : Poster(&net::post_form)),
      ledger_({.failed = "logout.delivery_failed", .gave_up = "logout.delivery_gave_up",
               .store_failed = "logout.store_failed", .store_recovered = "logout.store_recovered"},
              {.max_attempts = options_.max_attempts,
               .backoff_base = options_.backoff_base,
               .backoff_cap = options_.backoff_cap}) {
  // The ledger's copy of the retry settings is the one that counts; this
  // one is clamped the same way, as the ledger clamps its own.
  options_.max_attempts = std::max<std::int64_t>(options_.max_attempts, 1);
  options_.backoff_base = std::max<UnixSeconds>(options_.backoff_base, 1);
  options_.backoff_cap = std::max(options_.backoff_cap, options_.backoff_base);
}

UnixSeconds BackchannelDelivery::backoff(std::int64_t failures, const BackchannelOptions& options) {
  return latchkey::backoff(failures, options.backoff_base, options.backoff_cap);
}

BackchannelDelivery::Counters BackchannelDelivery::counters() const {
  const OutboxLedger::Counters n = ledger_.counters();
  return Counters{n.done, n.failed, n.gave_up, n.store_errors};
}

BackchannelDelivery::Stats BackchannelDelivery::run_once() {
  std::unique_lock lock(running_, std::try_to_lock);
  if (!lock) return Stats{.busy = true};
  Stats stats;
  const OutboxLedger::Tally t = ledger_.run(
      store_.due(clock_(), options_.batch), [&](const store::LogoutDelivery& d) -> std::optional<Outcome> {
        const std::string token = make_token_(d);
        if (token.empty()) {
          // Nothing can be signed now (so neither the rest of the batch): not
          // the receiver's failure, so no attempt is counted; tried next run.
          if (!no_token_) log::warn("logout.token_unavailable", {{"client_id", d.client_id}});
          no_token_ = true;
          stats.token_unavailable = true;
          return std::nullopt;
        }
        if (no_token_) log::info("logout.token_available");
        no_token_ = false;
        return deliver(d, token);
      });
  stats.taken = t.taken;
  stats.delivered = t.done;
  stats.failed = t.failed;
  stats.gave_up = t.gave_up;
  stats.store_error = t.store_error;
  return stats;
}

BackchannelDelivery::Outcome BackchannelDelivery::deliver(const store::LogoutDelivery& d, const std::string& token) {
  const std::string body = "logout_token=" + net::form_encode(token);
  auto answer = poster_(d.logout_uri, body, options_.post);
  const UnixSeconds now = clock_();  // after the POST, which may have taken seconds

  if (answer && (answer->status == 200 || answer->status == 204)) {
    // Sent but not noted: it will be sent again (the receiver de-duplicates).
    const Outcome outcome = ledger_.done(ledger_.noted("delivered", store_.delivered(d.id, now)));
    if (outcome == Outcome::done)
      log::debug("logout.delivered", {{"client_id", d.client_id}, {"delivery", d.id}, {"attempt", d.attempts + 1}});
    return outcome;
  }

  const std::string reason = answer ? status_reason(*answer, token) : std::move(answer.error());
  const log::Field who[] = {{"client_id", std::string_view(d.client_id)}, {"delivery", d.id}};
  const Outcome outcome = ledger_.failed(
      who, d.attempts + 1, now, reason, false,
      [&](UnixSeconds at) { return ledger_.noted("gave_up", store_.gave_up(d.id, at, reason)); },
      [&](UnixSeconds at) { return ledger_.noted("failed", store_.failed(d.id, at, reason)); });
  if (outcome == Outcome::gave_up && on_gave_up_) on_gave_up_(d, reason);
  return outcome;
}

}  // namespace latchkey::oidc
