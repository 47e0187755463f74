// oidc::BackchannelDelivery on an in-memory logout queue and a stand-in for
// the HTTP POST: delivered on 200/204, retried with a doubling backoff,
// given up after the last attempt, store failures tolerated, tokens kept
// out of the logs and the stored errors.
#include "oidc/backchannel_delivery.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "util/log.hpp"

namespace latchkey::oidc {
namespace {

using store::LogoutDelivery;
using store::Result;
using store::StoreError;

// The queue as the contract describes it, in memory; each call can be made to fail.
class FakeLogoutStore : public store::LogoutStore {
 public:
  std::int64_t add(std::string client_id, std::string uri, UnixSeconds now) {
    LogoutDelivery d;
    d.id = next_id_++;
    d.client_id = std::move(client_id);
    d.logout_uri = std::move(uri);
    d.user_id = "user-1";
    d.session_id = "sid-1";
    d.created_at = now;
    d.next_attempt_at = now;
    rows.push_back(d);
    return d.id;
  }
  LogoutDelivery& row(std::int64_t id) {
    return *std::find_if(rows.begin(), rows.end(), [&](const LogoutDelivery& d) { return d.id == id; });
  }

  Result<void> note_client(std::string_view, std::string_view, std::string_view) override { return {}; }
  Result<std::vector<LogoutDelivery>> due(UnixSeconds now, std::size_t limit) override {
    ++due_calls;
    last_limit = limit;
    if (fail_due) return tl::unexpected(*fail_due);
    std::vector<LogoutDelivery> out;
    for (const auto& d : rows) {
      if (out.size() == limit) break;
      if (!d.delivered_at && !d.gave_up_at && d.next_attempt_at <= now) out.push_back(d);
    }
    return out;
  }
  Result<void> delivered(std::int64_t id, UnixSeconds now) override {
    if (fail_delivered) return tl::unexpected(*fail_delivered);
    row(id).delivered_at = now;
    return {};
  }
  Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) override {
    if (fail_failed) return tl::unexpected(*fail_failed);
    auto& d = row(id);
    ++d.attempts;
    d.next_attempt_at = next_attempt_at;
    d.last_error = error;
    return {};
  }
  Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) override {
    auto& d = row(id);
    ++d.attempts;
    d.gave_up_at = now;
    d.last_error = error;
    return {};
  }
  Result<std::vector<LogoutDelivery>> list(std::size_t limit) override {
    std::vector<LogoutDelivery> out(rows.rbegin(), rows.rend());
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  Result<std::int64_t> prune(UnixSeconds) override { return 0; }

  std::vector<LogoutDelivery> rows;
  std::optional<StoreError> fail_due, fail_delivered, fail_failed;
  int due_calls = 0;
  std::size_t last_limit = 0;

 private:
  std::int64_t next_id_ = 1;
};

using Answer = tl::expected<net::PostResult, std::string>;

// Answers with the scripted answers in turn (then 200), noting each call.
struct FakePoster {
  struct Call {
    std::string url;
    std::string body;
    net::PostOptions options;
  };
  std::deque<Answer> answers;
  std::vector<Call> calls;

  BackchannelDelivery::Poster poster() {
    return [this](std::string_view url, std::string_view body, const net::PostOptions& o) -> Answer {
      calls.push_back({std::string(url), std::string(body), o});
      if (answers.empty()) return net::PostResult{200, {}};
      Answer a = answers.front();
      answers.pop_front();
      return a;
    };
  }
};

Answer status(long code, std::string body = {}) { return net::PostResult{code, std::move(body)}; }
Answer network_error(std::string reason) { return tl::unexpected(std::move(reason)); }

constexpr UnixSeconds kStart = 1'800'000'000;
constexpr std::string_view kToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXNlY3JldA";

class BackchannelDeliveryTest : public ::testing::Test {
 protected:
  BackchannelDelivery make(BackchannelOptions options = {}) {
    return BackchannelDelivery(
        store_,
        [this](const LogoutDelivery& d) {
          made_for_.push_back(d);
          return token_;
        },
        [this] { return now_; }, options, poster_.poster());
  }

  FakeLogoutStore store_;
  FakePoster poster_;
  UnixSeconds now_ = kStart;
  std::string token_{kToken};
  std::vector<LogoutDelivery> made_for_;
};

TEST_F(BackchannelDeliveryTest, PostsTheLogoutTokenAsAFormAndNotesItDelivered) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  auto delivery = make();
  const auto stats = delivery.run_once();

  EXPECT_EQ(stats.taken, 1u);
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.failed + stats.gave_up, 0u);
  EXPECT_FALSE(stats.store_error);
  ASSERT_EQ(poster_.calls.size(), 1u);
  EXPECT_EQ(poster_.calls[0].url, "https://rp.example/logout");
  EXPECT_EQ(poster_.calls[0].body, "logout_token=" + std::string(kToken));
  EXPECT_FALSE(poster_.calls[0].options.follow_redirects);
  EXPECT_EQ(store_.row(id).delivered_at, kStart);
  EXPECT_EQ(delivery.counters().delivered, 1u);
  EXPECT_EQ(delivery.counters().failed, 0u);

  // Delivered is done: not taken again.
  now_ += 3600;
  EXPECT_EQ(delivery.run_once().taken, 0u);
  EXPECT_EQ(poster_.calls.size(), 1u);
}

TEST_F(BackchannelDeliveryTest, TheTokenMakerIsGivenTheDelivery) {
  store_.add("client-a", "https://rp.example/logout", kStart);
  auto delivery = make();
  delivery.run_once();
  ASSERT_EQ(made_for_.size(), 1u);
  EXPECT_EQ(made_for_[0].client_id, "client-a");
  EXPECT_EQ(made_for_[0].user_id, "user-1");
  EXPECT_EQ(made_for_[0].session_id, "sid-1");
  EXPECT_EQ(made_for_[0].logout_uri, "https://rp.example/logout");
}

TEST_F(BackchannelDeliveryTest, NoContentIsDeliveredToo) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  poster_.answers = {status(204)};
  auto delivery = make();
  EXPECT_EQ(delivery.run_once().delivered, 1u);
  EXPECT_TRUE(store_.row(id).delivered_at);
}

TEST_F(BackchannelDeliveryTest, TheBatchLimitsWhatIsTakenAndEachIsPostedInTurn) {
  for (int i = 0; i < 5; ++i)
    store_.add("client-" + std::to_string(i), "https://rp.example/" + std::to_string(i), kStart);
  BackchannelOptions options;
  options.batch = 3;
  auto delivery = make(options);
  const auto stats = delivery.run_once();
  EXPECT_EQ(store_.last_limit, 3u);
  EXPECT_EQ(stats.delivered, 3u);
  ASSERT_EQ(poster_.calls.size(), 3u);
  EXPECT_EQ(poster_.calls[2].url, "https://rp.example/2");
  EXPECT_EQ(delivery.run_once().delivered, 2u);
  EXPECT_EQ(delivery.counters().delivered, 5u);
}

TEST_F(BackchannelDeliveryTest, DefaultOptionsTakeThirtyTwo) {
  auto delivery = make();
  delivery.run_once();
  EXPECT_EQ(store_.last_limit, 32u);
}

TEST_F(BackchannelDeliveryTest, AFailedAttemptIsRetriedAfterADoublingBackoff) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  poster_.answers = {status(500), network_error("Connection refused"), status(503)};
  auto delivery = make();

  auto stats = delivery.run_once();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(store_.row(id).attempts, 1);
  EXPECT_EQ(store_.row(id).next_attempt_at, kStart + 5);
  EXPECT_EQ(store_.row(id).last_error, "HTTP 500");

  now_ = kStart + 4;  // not yet
  EXPECT_EQ(delivery.run_once().taken, 0u);
  EXPECT_EQ(poster_.calls.size(), 1u);

  now_ = kStart + 5;
  EXPECT_EQ(delivery.run_once().failed, 1u);
  EXPECT_EQ(store_.row(id).attempts, 2);
  EXPECT_EQ(store_.row(id).next_attempt_at, kStart + 5 + 10);
  EXPECT_EQ(store_.row(id).last_error, "Connection refused");

  now_ = kStart + 15;
  delivery.run_once();
  EXPECT_EQ(store_.row(id).next_attempt_at, kStart + 15 + 20);

  now_ = kStart + 35;  // the poster answers 200 now
  EXPECT_EQ(delivery.run_once().delivered, 1u);
  EXPECT_EQ(store_.row(id).delivered_at, kStart + 35);
  EXPECT_EQ(poster_.calls.size(), 4u);
  EXPECT_EQ(delivery.counters().failed, 3u);
  EXPECT_EQ(delivery.counters().delivered, 1u);
}

TEST_F(BackchannelDeliveryTest, BackoffDoublesFromTheBaseUpToTheCap) {
  const BackchannelOptions o;
  EXPECT_EQ(BackchannelDelivery::backoff(1, o), 5);
  EXPECT_EQ(BackchannelDelivery::backoff(2, o), 10);
  EXPECT_EQ(BackchannelDelivery::backoff(3, o), 20);
  EXPECT_EQ(BackchannelDelivery::backoff(7, o), 320);
  EXPECT_EQ(BackchannelDelivery::backoff(10, o), 2560);
  EXPECT_EQ(BackchannelDelivery::backoff(11, o), 3600);
  EXPECT_EQ(BackchannelDelivery::backoff(1000, o), 3600);
}

TEST_F(BackchannelDeliveryTest, TheLastFailedAttemptGivesUpWarnsAndTellsTheAuditHook) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  poster_.answers = {status(500), status(500), network_error("Operation timed out after 5000 milliseconds")};
  BackchannelOptions options;
  options.max_attempts = 3;
  auto delivery = make(options);
  std::vector<std::pair<std::int64_t, std::string>> told;
  delivery.on_gave_up([&](const LogoutDelivery& d, std::string_view reason) { told.emplace_back(d.id, reason); });

  delivery.run_once();
  now_ = store_.row(id).next_attempt_at;
  delivery.run_once();
  EXPECT_FALSE(store_.row(id).gave_up_at);
  EXPECT_TRUE(told.empty());

  now_ = store_.row(id).next_attempt_at;
  log::set_format(log::Format::json);
  ::testing::internal::CaptureStderr();
  const auto stats = delivery.run_once();
  const std::string logged = ::testing::internal::GetCapturedStderr();
  log::set_format(log::Format::text);

  EXPECT_EQ(stats.gave_up, 1u);
  EXPECT_EQ(store_.row(id).attempts, 3);
  EXPECT_EQ(store_.row(id).gave_up_at, now_);
  EXPECT_EQ(store_.row(id).last_error, "Operation timed out after 5000 milliseconds");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].first, id);
  EXPECT_EQ(told[0].second, "Operation timed out after 5000 milliseconds");
  EXPECT_NE(logged.find("logout.delivery_gave_up"), std::string::npos) << logged;
  EXPECT_NE(logged.find("client-a"), std::string::npos) << logged;
  EXPECT_NE(logged.find("Operation timed out"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(kToken), std::string::npos) << logged;

  const auto c = delivery.counters();
  EXPECT_EQ(c.failed, 2u);
  EXPECT_EQ(c.gave_up, 1u);
  EXPECT_EQ(c.delivered, 0u);

  // Given up is done.
  now_ += 100'000;
  EXPECT_EQ(delivery.run_once().taken, 0u);
  EXPECT_EQ(poster_.calls.size(), 3u);
}

TEST_F(BackchannelDeliveryTest, DefaultsGiveUpOnTheEighthAttempt) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  for (int i = 0; i < 10; ++i) poster_.answers.push_back(status(500));
  auto delivery = make();
  for (int i = 0; i < 10 && !store_.row(id).gave_up_at; ++i) {
    now_ = store_.row(id).next_attempt_at;
    delivery.run_once();
  }
  EXPECT_TRUE(store_.row(id).gave_up_at);
  EXPECT_EQ(store_.row(id).attempts, 8);
  EXPECT_EQ(poster_.calls.size(), 8u);
  // 5 + 10 + 20 + 40 + 80 + 160 + 320 seconds of waiting.
  EXPECT_EQ(*store_.row(id).gave_up_at, kStart + 635);
}

TEST_F(BackchannelDeliveryTest, TheReceiversErrorCodeIsKeptButNeverWhatItEchoes) {
  const auto a = store_.add("client-a", "https://rp.example/a", kStart);
  const auto b = store_.add("client-b", "https://rp.example/b", kStart);
  const auto c = store_.add("client-c", "https://rp.example/c", kStart);
  poster_.answers = {
      status(400, R"({"error":"invalid_request","error_description":"bad token )" + std::string(kToken) + R"("})"),
      status(400, "logout_token=" + std::string(kToken)),
      status(400, R"({"error":")" + std::string(kToken) + R"("})"),
  };
  auto delivery = make();
  delivery.run_once();
  EXPECT_EQ(store_.row(a).last_error, "HTTP 400 (invalid_request)");
  EXPECT_EQ(store_.row(b).last_error, "HTTP 400");
  EXPECT_EQ(store_.row(c).last_error, "HTTP 400");
}

TEST_F(BackchannelDeliveryTest, ARedirectIsAFailure) {
  const auto id = store_.add("client-a", "https://rp.example/logout", kStart);
  poster_.answers = {status(302)};
  auto delivery = make();
  EXPECT_EQ(delivery.run_once().failed, 1u);
  EXPECT_EQ(store_.row(id).last_error, "HTTP 302");
}

TEST_F(BackchannelDeliveryTest, AStoreThatIsDownIsToleratedAndLoggedOnce) {
  store_.add("client-a", "https://rp.example/logout", kStart);
  store_.fail_due = StoreError::unavailable;
  auto delivery = make();

  log::set_format(log::Format::json);
  ::testing::internal::CaptureStderr();
  BackchannelDelivery::Stats first, second;
  EXPECT_NO_THROW(first = delivery.run_once());
  EXPECT_NO_THROW(second = delivery.run_once());
  const std::string logged = ::testing::internal::GetCapturedStderr();
  log::set_format(log::Format::text);

  EXPECT_TRUE(first.store_error);
  EXPECT_TRUE(second.store_error);
  EXPECT_TRUE(poster_.calls.empty());
  std::size_t lines = 0;
  for (std::size_t at = logged.find("logout.store_failed"); at != std::string::npos;
       at = logged.find("logout.store_failed", at + 1))
    ++lines;
  EXPECT_EQ(lines, 1u) << logged;
  EXPECT_EQ(delivery.counters().store_errors, 2u);

  // Back up: delivered as usual.
  store_.fail_due.reset();
  EXPECT_EQ(delivery.run_once().delivered, 1u);
}

TEST_F(BackchannelDeliveryTest, AStoreFailureAfterThePostStopsTheRunAndTheDeliveryIsSentAgain) {
  const auto id = store_.add("client-a", "https://rp.example/a", kStart);
  store_.add("client-b", "https://rp.example/b", kStart);
  store_.fail_delivered = StoreError::unavailable;
  auto delivery = make();
  const auto stats = delivery.run_once();
  EXPECT_TRUE(stats.store_error);
  EXPECT_EQ(poster_.calls.size(), 1u);  // the run stopped there
  EXPECT_EQ(delivery.counters().delivered, 0u);

  store_.fail_delivered.reset();
  EXPECT_EQ(delivery.run_once().delivered, 2u);  // at least once: a again, then b
  EXPECT_EQ(poster_.calls.size(), 3u);
  EXPECT_TRUE(store_.row(id).delivered_at);
}

TEST_F(BackchannelDeliveryTest, AFailureTheStoreCannotNoteStopsTheRun) {
  const auto id = store_.add("client-a", "https://rp.example/a", kStart);
  poster_.answers = {status(500)};
  store_.fail_failed = StoreError::failed;
  auto delivery = make();
  const auto stats = delivery.run_once();
  EXPECT_TRUE(stats.store_error);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(store_.row(id).attempts, 0);
  EXPECT_EQ(delivery.counters().failed, 0u);
}

TEST_F(BackchannelDeliveryTest, NoTokenMeansNoAttempt) {
  const auto id = store_.add("client-a", "https://rp.example/a", kStart);
  token_.clear();
  auto delivery = make();
  const auto stats = delivery.run_once();
  EXPECT_TRUE(stats.token_unavailable);
  EXPECT_TRUE(poster_.calls.empty());
  EXPECT_EQ(store_.row(id).attempts, 0);

  token_ = kToken;
  EXPECT_EQ(delivery.run_once().delivered, 1u);
}

TEST_F(BackchannelDeliveryTest, TheTokenIsFormEncoded) {
  store_.add("client-a", "https://rp.example/a", kStart);
  token_ = "a+b/c=d&e f";
  auto delivery = make();
  delivery.run_once();
  ASSERT_EQ(poster_.calls.size(), 1u);
  EXPECT_EQ(poster_.calls[0].body, "logout_token=a%2Bb%2Fc%3Dd%26e%20f");
}

}  // namespace
}  // namespace latchkey::oidc
