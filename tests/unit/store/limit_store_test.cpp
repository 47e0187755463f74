// LimitStore: the counters of the abuse limits (store/limit_store.hpp).
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
//
// What is checked:
//  - hit() against the rule itself (store::hit on an in-memory copy, the
//    Model below), over a pseudo-random run of events for several policies,
//    one key or several per call (6: past the 4 PostgreSQL puts in one
//    statement);
//  - admit(): reads are the stored counters as before the bumps (zero when
//    absent), bumps are as hit(), each in the order given;
//  - which counters locked(), clear() and prune() concern;
//  - two instances counting one key from eight threads lose no event and
//    never hand out one count twice; calls naming the same keys in
//    different orders all go through (no deadlock on PostgreSQL);
//  - keys in any text (non-ASCII, IPv6, empty parts, quotes) round-trip.
#include "store_fixture.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <tuple>

namespace latchkey::store_test {
namespace {

constexpr UnixSeconds kT = 1'800'000'000;

// The policies the model runs under (limit_counter.hpp).
constexpr LimitPolicy kRate{3, 60, 0, 0, false};          // 3 a minute, then locked until the window ends
constexpr LimitPolicy kDoubling{2, 900, 30, 600, true};   // 30 s, 60 s... 600 s; forgets after 900 s of quiet
constexpr LimitPolicy kFixed{1, 300, 120, 120, false};    // always 120 s
constexpr LimitPolicy kNoneFreeRate{0, 45, 0, 0, false};  // every event locks until the window ends
constexpr LimitPolicy kNoneFreeDoubling{0, 120, 5, 80, true};

// Which counters to list or clear: an account, an IP, a limit ("": any).
LimitFilter filter(std::string account, std::string ip, std::string limit = "") {
  return LimitFilter{std::move(account), std::move(ip), std::move(limit)};
}

// A policy that locks every key it counts for exactly `seconds` from its event.
LimitPolicy lock_for(UnixSeconds seconds) { return LimitPolicy{0, 3600, seconds, seconds, false}; }

// --- records as text, so a mismatch names the field -------------------------------

std::string show(const LimitKey& k) { return k.limit + "|" + k.account + "|" + k.ip; }

std::string show(const LimitCounter& c) {
  return "{count=" + std::to_string(c.count) + " window_start=" + std::to_string(c.window_start) +
         " locked_until=" + std::to_string(c.locked_until) + "}";
}

std::string show(const std::optional<LimitCounter>& c) { return c ? show(*c) : "locked (not counted)"; }

std::string show(const LimitRow& r) { return show(r.key) + " " + show(r.counter); }

template <class T>
std::vector<std::string> shown_in_order(const std::vector<T>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(show(r));
  return out;
}

std::vector<std::string> keys_of(const std::vector<LimitRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(show(r.key));
  return out;
}

// prefix + i (not "p" + std::to_string(i): gcc 12 warns falsely there, -Wrestrict)
std::string numbered(std::string prefix, std::size_t i) { return prefix.append(std::to_string(i)); }

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- the rule on an in-memory copy ------------------------------------------------

class Model {
 public:
  std::optional<LimitCounter> hit(const LimitEvent& e, UnixSeconds now) {
    LimitRow& r = rows_[id(e.key)];
    r.key = e.key;
    if (!store::hit(r.counter, e.policy, now)) return std::nullopt;
    return r.counter;
  }
  LimitCounter stored(const LimitKey& k) const {
    auto it = rows_.find(id(k));
    return it == rows_.end() ? LimitCounter{} : it->second.counter;
  }
  // The rows locked at `now`, sorted (the order of locked() is checked apart).
  std::vector<std::string> locked(UnixSeconds now) const {
    std::vector<std::string> out;
    for (const auto& [_, r] : rows_)
      if (r.counter.locked(now)) out.push_back(show(r));
    return sorted(out);
  }
  bool has_limit(const std::string& limit) const {
    for (const auto& [_, r] : rows_)
      if (r.key.limit == limit) return true;
    return false;
  }

 private:
  using Id = std::tuple<std::string, std::string, std::string>;
  static Id id(const LimitKey& k) { return {k.limit, k.account, k.ip}; }
  std::map<Id, LimitRow> rows_;
};

// A deterministic stream of numbers (std::mt19937 is the same everywhere;
// the std distributions are not, hence the plain modulo).
class Dice {
 public:
  explicit Dice(std::uint32_t seed) : gen_(seed) {}
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(gen_() % n); }
  // Mostly a few seconds, sometimes none, now and then past a lock or a window.
  UnixSeconds step() {
    const auto r = below(16);
    if (r < 4) return 0;
    if (r < 11) return 1 + below(4);
    if (r < 14) return 10 + below(60);
    if (r < 15) return 100 + below(300);
    return 1000 + below(1000);
  }
  // n distinct indices below `size`, in a random order.
  std::vector<std::size_t> pick(std::size_t n, std::size_t size) {
    std::vector<std::size_t> all(size);
    for (std::size_t i = 0; i < size; ++i) all[i] = i;
    for (std::size_t i = size - 1; i > 0; --i) std::swap(all[i], all[below(static_cast<std::uint32_t>(i + 1))]);
    all.resize(n);
    return all;
  }

 private:
  std::mt19937 gen_;
};

// Six keys of one limit, with the shapes the limits use.
std::vector<LimitKey> six_keys(const std::string& limit) {
  return {{limit, "alice", "10.0.0.1"}, {limit, "alice", ""},   {limit, "", "10.0.0.1"},
          {limit, "bob", "10.0.0.2"},   {limit, "", "2001:db8::7"}, {limit, "carol", "10.0.0.3"}};
}

class LimitStoreTest : public StoreTest {
 protected:
  LimitStore& limits() { return db().limits(); }

  std::vector<std::optional<LimitCounter>> hit(const std::vector<LimitEvent>& events, UnixSeconds now) {
    return limits().hit(events, now).value();
  }
  std::optional<LimitCounter> hit(const LimitKey& k, const LimitPolicy& p, UnixSeconds now) {
    auto r = hit(std::vector<LimitEvent>{{k, p}}, now);
    if (r.size() != 1) throw std::logic_error("hit of one event returned " + std::to_string(r.size()));
    return r[0];
  }
  // The stored counters of any number of keys (through admit, 4 at a time).
  std::vector<LimitCounter> read(const std::vector<LimitKey>& keys, UnixSeconds now) {
    std::vector<LimitCounter> out;
    for (std::size_t i = 0; i < keys.size(); i += LimitStore::kMaxAdmitReads) {
      const auto part = std::span(keys).subspan(i, std::min(LimitStore::kMaxAdmitReads, keys.size() - i));
      auto got = limits().admit({}, part, now).value();
      out.insert(out.end(), got.read.begin(), got.read.end());
    }
    return out;
  }
  // Which of `keys` have a stored counter.
  std::vector<std::string> present(const std::vector<LimitKey>& keys) {
    std::vector<std::string> out;
    const auto counters = read(keys, kT);
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (counters[i].count != 0) out.push_back(show(keys[i]));
    return sorted(out);
  }
  std::vector<std::string> locked_keys(const LimitFilter& f, UnixSeconds now) {
    return keys_of(limits().locked(f, now).value());
  }

  // `steps` calls of hit() on events drawn from `pool` (1, 2, 3, 4 or 6 at a
  // time), each result checked against the model; then every stored counter
  // and the locked ones.
  void run_model(const std::vector<LimitEvent>& pool, std::uint32_t seed, int steps) {
    static constexpr std::size_t kSizes[] = {1, 2, 1, 3, 4, 1, 6};
    Model model;
    Dice dice(seed);
    UnixSeconds now = kT;
    for (int step = 0; step < steps; ++step) {
      now += dice.step();
      std::vector<LimitEvent> events;
      for (std::size_t i : dice.pick(std::min(kSizes[step % 7], pool.size()), pool.size())) events.push_back(pool[i]);
      std::vector<std::string> want, got, which;
      for (const auto& e : events) {
        want.push_back(show(model.hit(e, now)));
        which.push_back(show(e.key));
      }
      for (const auto& r : hit(events, now)) got.push_back(show(r));
      ASSERT_EQ(got, want) << "step " << step << " at now = kT + " << now - kT << ", events on "
                           << ::testing::PrintToString(which);
    }
    std::vector<LimitKey> keys;
    std::vector<std::string> want;
    for (const auto& e : pool) {
      keys.push_back(e.key);
      want.push_back(show(model.stored(e.key)));
    }
    EXPECT_EQ(shown_in_order(read(keys, now)), want);
    for (UnixSeconds later : {now, now + 30, now + 300}) {
      std::vector<LimitRow> rows;  // of this run's limits (an earlier run may have left others)
      const auto all = limits().locked({}, later).value();
      for (const auto& r : all)
        if (model.has_limit(r.key.limit)) rows.push_back(r);
      EXPECT_EQ(sorted(shown_in_order(rows)), model.locked(later)) << "locked at now + " << later - now;
      EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const LimitRow& a, const LimitRow& b) {
        return a.counter.locked_until > b.counter.locked_until;
      })) << "not longest first";
    }
  }
};

}  // namespace

// --- hit ---------------------------------------------------------------------

TEST_P(LimitStoreTest, HitFollowsTheRuleUnderEveryPolicy) {
  const std::pair<std::string, LimitPolicy> policies[] = {{"rate", kRate},
                                                          {"doubling", kDoubling},
                                                          {"fixed", kFixed},
                                                          {"none_free_rate", kNoneFreeRate},
                                                          {"none_free_doubling", kNoneFreeDoubling}};
  std::uint32_t seed = 20240601;
  for (const auto& [name, policy] : policies) {
    SCOPED_TRACE("policy " + name);
    std::vector<LimitEvent> pool;
    for (const auto& k : six_keys(name)) pool.push_back({k, policy});
    run_model(pool, seed++, 250);
    if (HasFatalFailure()) return;
  }
}

// One call may count keys of different limits, each under its own policy.
TEST_P(LimitStoreTest, HitFollowsTheRuleWithPoliciesMixedInOneCall) {
  const LimitPolicy policies[] = {kRate, kDoubling, kFixed, kNoneFreeRate, kNoneFreeDoubling};
  std::vector<LimitEvent> pool;
  for (std::size_t i = 0; i < std::size(policies); ++i) {
    const std::string name = numbered("mixed", i);
    pool.push_back({{name, "alice", "10.0.0.1"}, policies[i]});
    pool.push_back({{name, "", "10.0.0.1"}, policies[i]});
  }
  run_model(pool, 7, 300);
}

TEST_P(LimitStoreTest, HitOfNothingIsNothing) {
  EXPECT_TRUE(hit(std::vector<LimitEvent>{}, kT).empty());
  EXPECT_TRUE(limits().locked({}, kT).value().empty());
}

// The rule's corners, spelt out (the model test meets them by chance).
TEST_P(LimitStoreTest, HitCountsLocksAndForgets) {
  const LimitKey k{"login_pair", "alice", "10.0.0.1"};
  for (int i = 1; i <= 2; ++i) EXPECT_EQ(show(hit(k, kDoubling, kT + i)), show(LimitCounter{i, kT + i, 0}));
  EXPECT_EQ(show(hit(k, kDoubling, kT + 3)), show(LimitCounter{3, kT + 3, kT + 33}));  // past free: 30 s
  EXPECT_EQ(show(hit(k, kDoubling, kT + 32)), "locked (not counted)");
  EXPECT_EQ(show(hit(k, kDoubling, kT + 33)), show(LimitCounter{4, kT + 33, kT + 93}));   // lock over: 60 s
  EXPECT_EQ(show(hit(k, kDoubling, kT + 93 + 900)), show(LimitCounter{1, kT + 993, 0}));  // quiet: forgotten

  const LimitKey r{"flood", "", "10.0.0.1"};
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(hit(r, kRate, kT + 10)->count, i);
  EXPECT_EQ(show(hit(r, kRate, kT + 20)), show(LimitCounter{4, kT + 10, kT + 70}));  // until the window ends
  EXPECT_EQ(show(hit(r, kRate, kT + 69)), "locked (not counted)");
  EXPECT_EQ(show(hit(r, kRate, kT + 70)), show(LimitCounter{1, kT + 70, 0}));
}

// --- admit -------------------------------------------------------------------

// Every shape a check makes (0..2 bumps, 0..4 reads), on keys with counters
// of their own (and absent ones), checked against the model.
TEST_P(LimitStoreTest, AdmitReadsAsBeforeTheBumpsAndBumpsAsHit) {
  const LimitPolicy setup{3, 600, 20, 200, false};
  const LimitPolicy bump_policies[] = {kRate, kFixed};
  Model model;
  std::vector<LimitKey> pool;
  for (int i = 0; i < 9; ++i) {
    pool.push_back({numbered("p", i % 3), numbered("user", i), numbered("10.0.1.", i)});
    // Key i counted i times (key 0 absent): counts and windows of their own.
    for (int n = 0; n < i; ++n) {
      const LimitEvent e{pool.back(), setup};
      ASSERT_EQ(show(hit(e.key, e.policy, kT + i)), show(model.hit(e, kT + i)));
    }
  }
  UnixSeconds now = kT + 100;
  std::size_t shape = 0;
  for (std::size_t bumps = 0; bumps <= LimitStore::kMaxAdmitBumps; ++bumps) {
    for (std::size_t reads = 0; reads <= LimitStore::kMaxAdmitReads; ++reads, ++shape) {
      now += 7;
      // Bumps from the front of a rotated pool, reads from its back (last first).
      std::vector<LimitEvent> events;
      std::vector<LimitKey> keys;
      for (std::size_t j = 0; j < bumps; ++j)
        events.push_back({pool[(shape + j) % pool.size()], bump_policies[j % 2]});
      for (std::size_t j = 0; j < reads; ++j) keys.push_back(pool[(shape + pool.size() - 1 - j) % pool.size()]);

      std::vector<std::string> want_read, want_bumped;
      for (const auto& k : keys) want_read.push_back(show(model.stored(k)));
      for (const auto& e : events) want_bumped.push_back(show(model.hit(e, now)));
      const auto got = limits().admit(events, keys, now).value();
      SCOPED_TRACE(std::to_string(bumps) + " bumps, " + std::to_string(reads) + " reads");
      EXPECT_EQ(shown_in_order(got.read), want_read);
      EXPECT_EQ(shown_in_order(got.bumped), want_bumped);
    }
  }
  // And what the bumps left.
  std::vector<std::string> want;
  for (const auto& k : pool) want.push_back(show(model.stored(k)));
  EXPECT_EQ(shown_in_order(read(pool, now)), want);
}

TEST_P(LimitStoreTest, AdmitBumpOnALockedKeyCountsNothing) {
  const LimitKey locked{"login_pair", "alice", "10.0.0.1"}, open{"login_ip", "", "10.0.0.1"};
  const LimitCounter lock = hit(locked, lock_for(100), kT).value();
  ASSERT_EQ(show(lock), show(LimitCounter{1, kT, kT + 100}));

  const auto got = limits().admit(std::vector<LimitEvent>{{locked, kRate}, {open, kRate}}, {}, kT + 50).value();
  EXPECT_EQ(shown_in_order(got.bumped),
            (std::vector<std::string>{"locked (not counted)", show(LimitCounter{1, kT + 50, 0})}));
  EXPECT_TRUE(got.read.empty());
  EXPECT_EQ(shown_in_order(read({locked, open}, kT + 50)),
            (std::vector<std::string>{show(lock), show(LimitCounter{1, kT + 50, 0})}));
  // Once the lock is over, the bump counts (a new window: that one ended).
  const auto after = limits().admit(std::vector<LimitEvent>{{locked, kRate}}, {}, kT + 100).value();
  EXPECT_EQ(shown_in_order(after.bumped), (std::vector<std::string>{show(LimitCounter{1, kT + 100, 0})}));
}

// The header asks for bumps not among the reads, but the Limiter reads its
// bumped keys in the same call (to learn the lock of a bump that did not
// count): they read as before the bump, as every read does.
TEST_P(LimitStoreTest, AdmitReadsABumpedKeyAsBeforeItsBump) {
  const LimitKey locked{"login_pair", "alice", "10.0.0.1"}, counted{"login_ip", "", "10.0.0.1"};
  const LimitCounter lock = hit(locked, lock_for(100), kT).value();
  const LimitCounter before = hit(counted, kRate, kT).value();
  const auto got =
      limits().admit(std::vector<LimitEvent>{{counted, kRate}, {locked, kRate}}, std::vector{locked, counted}, kT + 5)
          .value();
  EXPECT_EQ(shown_in_order(got.bumped),
            (std::vector<std::string>{show(LimitCounter{2, kT, 0}), "locked (not counted)"}));
  EXPECT_EQ(shown_in_order(got.read), (std::vector<std::string>{show(lock), show(before)}));
}

// --- locked ------------------------------------------------------------------

TEST_P(LimitStoreTest, LockedListsWhatIsLockedAtNowByFilterLongestFirst) {
  const LimitKey ip1{"login_ip", "", "10.0.0.1"}, alice1{"login_pair", "alice", "10.0.0.1"},
      alice2{"login_pair", "alice", "10.0.0.2"}, alice{"login_account", "alice", ""},
      bob1{"login_pair", "bob", "10.0.0.1"}, bob2{"login_pair", "bob", "10.0.0.2"}, ip3{"login_ip", "", "10.0.0.3"};
  ASSERT_TRUE(hit(alice, lock_for(900), kT));
  ASSERT_TRUE(hit(alice1, lock_for(300), kT));
  ASSERT_TRUE(hit(alice2, lock_for(200), kT));
  ASSERT_TRUE(hit(ip1, lock_for(100), kT));
  ASSERT_TRUE(hit(bob1, lock_for(50), kT));
  ASSERT_EQ(hit(bob2, kRate, kT)->locked_until, 0);          // counted, not locked
  ASSERT_EQ(hit(ip3, lock_for(100), kT - 100)->locked_until, kT);  // its lock ends at kT

  auto names = [](std::initializer_list<LimitKey> ks) {
    std::vector<std::string> out;
    for (const auto& k : ks) out.push_back(show(k));
    return out;
  };
  EXPECT_EQ(locked_keys({}, kT), names({alice, alice1, alice2, ip1, bob1}));
  EXPECT_EQ(locked_keys(filter("alice", ""), kT), names({alice, alice1, alice2}));
  EXPECT_EQ(locked_keys(filter("", "10.0.0.1"), kT), names({alice1, ip1, bob1}));
  EXPECT_EQ(locked_keys(filter("alice", "10.0.0.1"), kT), names({alice1}));
  EXPECT_EQ(locked_keys(filter("", "", "login_pair"), kT), names({alice1, alice2, bob1}));
  EXPECT_EQ(locked_keys(filter("bob", "", "login_pair"), kT), names({bob1}));
  EXPECT_EQ(locked_keys(filter("", "10.0.0.1", "login_ip"), kT), names({ip1}));
  EXPECT_EQ(locked_keys(filter("alice", "10.0.0.2", "login_pair"), kT), names({alice2}));
  EXPECT_EQ(locked_keys(filter("alice", "", "login_ip"), kT), names({}));
  EXPECT_EQ(locked_keys(filter("carol", ""), kT), names({}));
  EXPECT_EQ(locked_keys(filter("", "10.0.0.3"), kT), names({}));
  EXPECT_EQ(locked_keys(filter("", "10.0.0.3"), kT - 1), names({ip3}));
  // Later, fewer; the counters are as stored.
  EXPECT_EQ(shown_in_order(limits().locked({}, kT + 250).value()),
            (std::vector<std::string>{show(LimitRow{alice, {1, kT, kT + 900}}),
                                      show(LimitRow{alice1, {1, kT, kT + 300}})}));
  EXPECT_EQ(locked_keys({}, kT + 900), names({}));
}

// --- clear -------------------------------------------------------------------

TEST_P(LimitStoreTest, ClearRemovesByAccountByIpByBothAndByLimit) {
  const std::vector<LimitKey> keys = {
      {"login_pair", "alice", "10.0.0.1"}, {"login_pair", "alice", "10.0.0.2"}, {"login_account", "alice", ""},
      {"login_pair", "bob", "10.0.0.1"},   {"login_pair", "bob", "10.0.0.2"},   {"login_ip", "", "10.0.0.1"},
      {"signup", "", "10.0.0.1"},          {"login_ip", "", "10.0.0.2"},        {"login_pair", "carol", "10.0.0.3"},
      {"login_account", "carol", ""},      {"login_pair", "dave", "10.0.0.4"},  {"login_ip", "", "10.0.0.4"},
  };
  for (std::size_t i = 0; i < keys.size(); ++i)
    ASSERT_TRUE(hit(keys[i], i == 8 ? kRate : lock_for(600), kT));  // carol's pair counted, not locked
  auto left = [&](std::initializer_list<int> rows) {
    std::vector<std::string> out;
    for (int i : rows) out.push_back(show(keys[static_cast<std::size_t>(i)]));
    return sorted(out);
  };
  auto clear = [&](const LimitFilter& f) { return limits().clear(f).value(); };

  EXPECT_EQ(clear({}), 0u);  // no account, no IP: nothing
  EXPECT_EQ(clear(filter("", "", "login_pair")), 0u);
  EXPECT_EQ(present(keys), left({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));

  EXPECT_EQ(clear(filter("bob", "10.0.0.1")), 1u);
  EXPECT_EQ(present(keys), left({0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(clear(filter("alice", "", "login_account")), 1u);
  EXPECT_EQ(present(keys), left({0, 1, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(clear(filter("alice", "")), 2u);  // every IP
  EXPECT_EQ(present(keys), left({4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(clear(filter("", "10.0.0.1", "signup")), 1u);
  EXPECT_EQ(present(keys), left({4, 5, 7, 8, 9, 10, 11}));
  EXPECT_EQ(clear(filter("", "10.0.0.1")), 1u);  // every account (and none)
  EXPECT_EQ(present(keys), left({4, 7, 8, 9, 10, 11}));
  EXPECT_EQ(clear(filter("carol", "")), 2u);  // locked or not
  EXPECT_EQ(present(keys), left({4, 7, 10, 11}));
  EXPECT_EQ(clear(filter("dave", "10.0.0.4", "login_ip")), 0u);
  EXPECT_EQ(clear(filter("", "10.0.0.4")), 2u);
  EXPECT_EQ(present(keys), left({4, 7}));
  EXPECT_EQ(clear(filter("nobody", "")), 0u);
  EXPECT_EQ(present(keys), left({4, 7}));
}

// --- prune -------------------------------------------------------------------

TEST_P(LimitStoreTest, PruneRemovesWhatIsNeitherLockedNorRecent) {
  const LimitKey old_open{"flood", "", "10.0.0.1"}, recent{"flood", "", "10.0.0.2"},
      old_locked{"login_pair", "alice", "10.0.0.1"}, lock_ended{"login_pair", "bob", "10.0.0.1"},
      at_before{"flood", "", "10.0.0.3"}, just_before{"flood", "", "10.0.0.4"};
  const LimitPolicy open{100, 60, 0, 0, false};
  ASSERT_TRUE(hit(old_open, open, kT - 1000));
  ASSERT_TRUE(hit(recent, open, kT - 10));
  ASSERT_TRUE(hit(old_locked, lock_for(1100), kT - 1000));  // locked until kT + 100
  ASSERT_TRUE(hit(lock_ended, lock_for(1000), kT - 1000));  // locked until kT: not at kT
  ASSERT_TRUE(hit(at_before, open, kT - 60));
  ASSERT_TRUE(hit(just_before, open, kT - 61));
  const std::vector<LimitKey> all{old_open, recent, old_locked, lock_ended, at_before, just_before};

  EXPECT_EQ(limits().prune(kT - 60, kT).value(), 3u);
  EXPECT_EQ(present(all), sorted({show(recent), show(old_locked), show(at_before)}));
  EXPECT_EQ(limits().prune(kT - 60, kT).value(), 0u);
  // The lock ends at kT + 100, the recent windows started before kT + 200.
  EXPECT_EQ(limits().prune(kT + 200, kT + 99).value(), 2u);
  EXPECT_EQ(present(all), sorted({show(old_locked)}));
  EXPECT_EQ(limits().prune(kT + 200, kT + 100).value(), 1u);
  EXPECT_EQ(present(all), std::vector<std::string>{});
}

// --- two instances, eight threads --------------------------------------------

// Every event on one key counts once, whichever instance and thread makes it:
// the returned counts are 1..total, each once, and the stored count is total.
TEST_P(LimitStoreTest, ConcurrentHitsOnOneKeyLoseNothing) {
  constexpr int kThreads = 8, kHits = 40, kTotal = kThreads * kHits;
  const LimitKey k{"flood", "", "10.0.0.1"};
  const LimitPolicy rate{1'000'000, 3600, 0, 0, false};
  auto second = open_again();
  std::mutex m;
  std::vector<std::int64_t> counts;
  std::atomic<int> failed{0}, refused{0};
  run_threads(kThreads, 60s, [&](int i) {
    LimitStore& s = (i % 2 ? db() : *second).limits();
    for (int n = 0; n < kHits; ++n) {
      auto r = s.hit(std::vector<LimitEvent>{{k, rate}}, kT + n);
      if (!r || r->size() != 1) {
        ++failed;
      } else if (!(*r)[0]) {
        ++refused;
      } else {
        std::lock_guard lock(m);
        counts.push_back((*r)[0]->count);
      }
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(refused.load(), 0);
  std::sort(counts.begin(), counts.end());
  std::vector<std::int64_t> want(kTotal);
  for (int i = 0; i < kTotal; ++i) want[static_cast<std::size_t>(i)] = i + 1;
  EXPECT_EQ(counts, want);
  EXPECT_EQ(read({k}, kT)[0].count, kTotal);
}

// Under a doubling lock, concurrent events count 1..free+1, each once: the
// one that locks, and not one more; the others find it locked.
TEST_P(LimitStoreTest, ConcurrentHitsLockOnceAndCountNoEventTwice) {
  constexpr int kThreads = 8, kHits = 40, kTotal = kThreads * kHits, kFree = kTotal / 2;
  const LimitKey k{"login_pair", "alice", "10.0.0.1"};
  const LimitPolicy doubling{kFree, 900, 30, 900, true};
  auto second = open_again();
  std::mutex m;
  std::vector<std::int64_t> counts;
  std::atomic<int> failed{0}, refused{0};
  run_threads(kThreads, 60s, [&](int i) {
    LimitStore& s = (i % 2 ? db() : *second).limits();
    for (int n = 0; n < kHits; ++n) {
      auto r = s.hit(std::vector<LimitEvent>{{k, doubling}}, kT);
      if (!r || r->size() != 1) {
        ++failed;
      } else if (!(*r)[0]) {
        ++refused;
      } else {
        std::lock_guard lock(m);
        counts.push_back((*r)[0]->count);
      }
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(refused.load(), kTotal - kFree - 1);
  std::sort(counts.begin(), counts.end());
  std::vector<std::int64_t> want(kFree + 1);
  for (int i = 0; i <= kFree; ++i) want[static_cast<std::size_t>(i)] = i + 1;
  EXPECT_EQ(counts, want);
  EXPECT_EQ(show(read({k}, kT)[0]), show(LimitCounter{kFree + 1, kT, kT + 30}));
}

// Calls on the same keys in different orders (each caller of the limits
// lists its keys its own way) queue on the rows: none fails, and every event
// counts. On PostgreSQL, where a statement locks its rows one after the
// other, this takes the events in one order whatever the call's.
TEST_P(LimitStoreTest, ConcurrentCallsOnSharedKeysInAnyOrderAllCount) {
  constexpr int kThreads = 8, kCalls = 25;
  const LimitPolicy rate{1'000'000, 3600, 0, 0, false};
  const std::vector<LimitKey> keys = six_keys("flood");
  // Thread i: pattern i % 4, on the first instance for i < 4, else the second.
  struct Pattern {
    std::vector<std::size_t> keys;
    bool admit;  // as admit's bumps (two at most) rather than hit
  };
  const Pattern patterns[] = {{{0, 1, 2, 3, 4, 5}, false},  // two statements on PostgreSQL
                              {{5, 4, 3, 2, 1, 0}, false},
                              {{2, 1, 0}, false},
                              {{1, 0}, true}};
  std::vector<std::int64_t> want(keys.size(), 0);
  for (int i = 0; i < kThreads; ++i)
    for (std::size_t k : patterns[i % 4].keys) want[k] += kCalls;
  auto second = open_again();
  std::atomic<int> failed{0};
  run_threads(kThreads, 60s, [&](int i) {
    LimitStore& s = (i < 4 ? db() : *second).limits();
    const Pattern& pattern = patterns[i % 4];
    std::vector<LimitEvent> events;
    for (std::size_t k : pattern.keys) events.push_back({keys[k], rate});
    for (int n = 0; n < kCalls; ++n) {
      const bool ok = pattern.admit ? s.admit(events, std::span(keys).last(1), kT).has_value()
                                    : s.hit(events, kT).has_value();
      if (!ok) ++failed;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  std::vector<std::int64_t> counts;
  for (const auto& c : read(keys, kT)) counts.push_back(c.count);
  EXPECT_EQ(counts, want);
}

// --- keys in any text ----------------------------------------------------------

TEST_P(LimitStoreTest, KeysOfAnyTextRoundTrip) {
  const std::vector<LimitKey> keys = {
      {"login_pair", "jürgen", "2001:db8::1"},
      {"login_pair", "用户名", "fe80::1%eth0"},
      {"login_pair", "o'brien \"the\" \\ back\\slash", "::ffff:192.0.2.1"},
      {"login_pair", "\u00e9", "::1"},   // é, one code point
      {"login_pair", "e\u0301", "::1"},  // é, e and a combining accent: another account
      {"login_pair", "Alice", "::1"},
      {"login_pair", "alice", "::1"},
      {"login_pair", "a_c%", "::1"},
      {"login_pair", "abc", "::1"},
      {"flood", "", ""},
      {"login_account", "🔑 emoji", ""},
      {"login_ip", "", "2001:0db8:0000:0000:0000:ff00:0042:8329"},
  };
  // Locks of distinct lengths, so that locked() has one order.
  std::vector<std::string> want, want_counters;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const LimitCounter c{1, kT, kT + 1000 - static_cast<UnixSeconds>(i)};
    ASSERT_EQ(show(hit(keys[i], lock_for(c.locked_until - kT), kT)), show(c)) << show(keys[i]);
    want.push_back(show(LimitRow{keys[i], c}));
    want_counters.push_back(show(c));
  }
  EXPECT_EQ(shown_in_order(limits().locked({}, kT).value()), want);
  EXPECT_EQ(shown_in_order(read(keys, kT)), want_counters);
  // Each is found by its own account and IP, and by nothing close to them.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (k.account.empty() && k.ip.empty()) continue;
    EXPECT_EQ(shown_in_order(limits().locked(filter(k.account, k.ip, k.limit), kT).value()),
              std::vector<std::string>{want[i]});
  }
  EXPECT_EQ(locked_keys(filter("\u00e9", ""), kT), std::vector<std::string>{show(keys[3])});
  EXPECT_EQ(locked_keys(filter("alice", ""), kT), std::vector<std::string>{show(keys[6])});
  EXPECT_EQ(locked_keys(filter("a_c%", ""), kT), std::vector<std::string>{show(keys[7])});
  EXPECT_EQ(locked_keys(filter("", "2001:db8::1"), kT), std::vector<std::string>{show(keys[0])});
  // And cleared by them alone.
  EXPECT_EQ(limits().clear(filter(keys[2].account, "")).value(), 1u);
  EXPECT_EQ(limits().clear(filter("e\u0301", "")).value(), 1u);
  EXPECT_EQ(limits().clear(filter("", "fe80::1%eth0")).value(), 1u);
  EXPECT_EQ(limits().locked({}, kT).value().size(), keys.size() - 3);
  EXPECT_EQ(shown_in_order(read({keys[1], keys[2], keys[3], keys[4]}, kT)),
            (std::vector<std::string>{show(LimitCounter{}), show(LimitCounter{}),
                                      show(LimitCounter{1, kT, kT + 997}), show(LimitCounter{})}));
}

INSTANTIATE_FOR_EVERY_BACKEND(LimitStoreTest);

}  // namespace latchkey::store_test
