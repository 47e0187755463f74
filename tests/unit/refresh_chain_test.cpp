#include "auth/refresh_chain.hpp"

#include <gtest/gtest.h>

#include "auth/device.hpp"
#include "auth/usage_tracker.hpp"
#include "crypto/random.hpp"

using namespace latchkey;
using namespace latchkey::auth;

namespace {

const RefreshPolicy kPolicy{10, 7 * 86400};

store::Session at_generation(std::int64_t g, std::optional<UnixSeconds> rotated_at) {
  store::Session s;
  s.id = "sid";
  s.created_at = 1000;
  s.last_used_at = rotated_at.value_or(1000);
  s.expires_at = 1000 + 30 * 86400;
  s.generation = g;
  s.rotated_at = rotated_at;
  return s;
}

}  // namespace

// The rotation state machine: fresh, spent within grace, spent after grace,
// revoked, expired; time always injected.
TEST(RefreshStateMachine, FreshTokenRotates) {
  EXPECT_EQ(classify_refresh(at_generation(0, std::nullopt), 0, 2000, kPolicy), RefreshVerdict::rotate);
  EXPECT_EQ(classify_refresh(at_generation(3, 1500), 3, 2000, kPolicy), RefreshVerdict::rotate);
}

TEST(RefreshStateMachine, SpentWithinGraceIsReplayed) {
  EXPECT_EQ(classify_refresh(at_generation(1, 2000), 0, 2000, kPolicy), RefreshVerdict::replay);
  EXPECT_EQ(classify_refresh(at_generation(1, 2000), 0, 2010, kPolicy), RefreshVerdict::replay);
}

TEST(RefreshStateMachine, SpentAfterGraceIsReuse) {
  EXPECT_EQ(classify_refresh(at_generation(1, 2000), 0, 2011, kPolicy), RefreshVerdict::reuse);
  // Two generations behind is reuse even within the window.
  EXPECT_EQ(classify_refresh(at_generation(2, 2000), 0, 2001, kPolicy), RefreshVerdict::reuse);
}

TEST(RefreshStateMachine, RevokedWinsOverEverything) {
  auto s = at_generation(1, 2000);
  s.revoked_at = 2005;
  EXPECT_EQ(classify_refresh(s, 1, 2006, kPolicy), RefreshVerdict::ended);
  EXPECT_EQ(classify_refresh(s, 0, 2006, kPolicy), RefreshVerdict::ended);
}

TEST(RefreshStateMachine, ExpiredAbsoluteOrIdle) {
  auto s = at_generation(0, std::nullopt);
  EXPECT_EQ(classify_refresh(s, 0, s.expires_at, {10, 1000 * 86400}), RefreshVerdict::expired);
  EXPECT_EQ(classify_refresh(s, 0, s.last_used_at + kPolicy.idle_ttl, kPolicy), RefreshVerdict::expired);
  EXPECT_EQ(classify_refresh(s, 0, s.last_used_at + kPolicy.idle_ttl - 1, kPolicy), RefreshVerdict::rotate);
  EXPECT_EQ(session_end(s, kPolicy.idle_ttl), s.last_used_at + kPolicy.idle_ttl);
}

TEST(RefreshChain, TokensParseAndChainDeterministically) {
  crypto::init();
  RefreshChain chain(std::string(32, 'k'));
  auto t0 = chain.first("sid");
  auto parts = parse_refresh_token(t0).value();
  EXPECT_EQ(parts.session_id, "sid");
  EXPECT_EQ(parts.generation, 0);
  auto t1 = chain.next(t0);
  EXPECT_EQ(t1, chain.next(t0));
  EXPECT_EQ(parse_refresh_token(t1)->generation, 1);
  EXPECT_NE(t1, RefreshChain(std::string(32, 'j')).next(t0));  // keyed by the server secret
  EXPECT_EQ(chain.advance(t0, 2), chain.next(t1));
  EXPECT_NE(chain.jti_for(t0), chain.jti_for(t1));
}

TEST(RefreshChain, BelongsOnlyForTheSessionsOwnChain) {
  crypto::init();
  RefreshChain chain(std::string(32, 'k'));
  auto t0 = chain.first("sid");
  auto t1 = chain.next(t0);
  auto t2 = chain.next(t1);
  auto s = at_generation(2, 2000);
  s.refresh_hash = refresh_token_digest(t2);
  EXPECT_TRUE(chain.belongs(t0, s));
  EXPECT_TRUE(chain.belongs(t1, s));
  EXPECT_TRUE(chain.belongs(t2, s));
  EXPECT_FALSE(chain.belongs(chain.next(t2), s));    // from the future
  EXPECT_FALSE(chain.belongs(chain.first("sid"), s));  // another chain
  s.id = "other";
  EXPECT_FALSE(chain.belongs(t2, s));
}

TEST(RefreshChain, MalformedTokensDoNotParse) {
  for (const char* bad : {"", "lkr_", "lkr_sid", "lkr_sid.0", "lkr_sid.x.abc", "lkr_sid.-1.abc",
                          "lkr_sid.01.abc", "lkr_s d.0.abc", "xyz_sid.0.abc", "lkr_sid.0.a+b",
                          "lkr_.0.abc", "lkr_sid.0."}) {
    EXPECT_FALSE(parse_refresh_token(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_refresh_token("lkr_sid.0." + std::string(200, 'a')).has_value());
}

TEST(Device, DescribesCommonClients) {
  EXPECT_EQ(describe_device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                            "Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"),
            "Edge on Windows");
  EXPECT_EQ(describe_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"),
            "Safari on iOS");
  EXPECT_EQ(describe_device("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/120.0 Mobile Safari/537.36"),
            "Chrome on Android");
  EXPECT_EQ(describe_device("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, "
                            "like Gecko) Version/17.1 Safari/605.1.15"),
            "Safari on macOS");
  EXPECT_EQ(describe_device("curl/7.88.1"), "curl");
  EXPECT_EQ(describe_device("python-requests/2.28.1"), "python-requests");
  EXPECT_EQ(describe_device(""), "Unknown device");
}

TEST(UsageTracker, OneWritePerSessionPerMinute) {
  UsageTracker t;
  t.note("s", 1000);
  t.note("s", 1010);
  auto first = t.take(1010);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].used_at, 1010);
  t.note("s", 1020);
  EXPECT_TRUE(t.take(1020).empty());
  t.note("s", 1075);  // a minute after the last write
  auto second = t.take(1075);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].used_at, 1075);
  t.note("s", 1080);
  auto last = t.take(1200);  // gone quiet: the last use is written, then forgotten
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].used_at, 1080);
  EXPECT_TRUE(t.take(1300).empty());
}
