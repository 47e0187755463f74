// KeyStore: server secrets and signing keys.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>

namespace latchkey::store_test {
namespace {

std::vector<std::string> kids(const std::vector<StoredKey>& rows) {
  std::vector<std::string> out;
  for (const auto& k : rows) out.push_back(k.kid);
  return out;
}

class KeyStoreTest : public StoreTest {};

}  // namespace

TEST_P(KeyStoreTest, SecretsAreCreatedOnce) {
  EXPECT_EQ(db().keys().ensure_secret("x", "first", 1).value(), "first");
  EXPECT_EQ(db().keys().ensure_secret("x", "second", 2).value(), "first");
  EXPECT_EQ(db().keys().ensure_secret("y", "other", 3).value(), "other");
  auto secrets = db().database().export_all()->secrets;
  EXPECT_EQ(shown(secrets), (std::vector<std::string>{show(Secret{"x", "first", 1}), show(Secret{"y", "other", 3})}));
}

TEST_P(KeyStoreTest, ConcurrentInstancesAgreeOnOneSecret) {
  auto second = open_again();
  std::mutex m;
  std::vector<std::string> kept;
  std::atomic<int> failed{0};
  run_threads(8, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.keys().ensure_secret("refresh", "value-" + std::to_string(i), 10 + i);
    if (!r) {
      ++failed;
      return;
    }
    std::lock_guard lock(m);
    kept.push_back(*r);
  });
  EXPECT_EQ(failed.load(), 0);
  ASSERT_EQ(kept.size(), 8u);
  for (const auto& v : kept) EXPECT_EQ(v, kept.front());
}

TEST_P(KeyStoreTest, AddKeyRefusesATakenKid) {
  ASSERT_TRUE(db().keys().add(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
  EXPECT_EQ(db().keys().add(StoredKey{"k1", "ES256", "other", 11, 11, std::nullopt}).error(), StoreError::conflict);
  auto keys = db().keys().list().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(show(keys[0]), show(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
}

TEST_P(KeyStoreTest, ListKeysNewestNotBeforeFirst) {
  ASSERT_TRUE(db().keys().add(key("mid", 200)));
  ASSERT_TRUE(db().keys().add(key("oldest", 100, 250)));
  ASSERT_TRUE(db().keys().add(key("newest", 300)));
  // Same not_before: the later created first, then by kid.
  ASSERT_TRUE(db().keys().add(key("tie-early", 150, std::nullopt, 140)));
  ASSERT_TRUE(db().keys().add(key("tie-late", 150, std::nullopt, 145)));
  ASSERT_TRUE(db().keys().add(key("tie-b", 120, std::nullopt, 120)));
  ASSERT_TRUE(db().keys().add(key("tie-a", 120, std::nullopt, 120)));
  EXPECT_EQ(kids(db().keys().list().value()),
            (std::vector<std::string>{"newest", "mid", "tie-late", "tie-early", "tie-a", "tie-b", "oldest"}));
}

TEST_P(KeyStoreTest, RotateKeyRetiresEveryCurrentKeyOfItsAlgAndAddsTheNewOne) {
  ASSERT_TRUE(db().keys().add(key("k1", 10)));
  ASSERT_TRUE(db().keys().add(key("k2", 20, 25)));  // retired already: keeps its time
  ASSERT_TRUE(db().keys().add(key("k3", 30)));
  const StoredKey rsa{"rsa", "RS256", "cnNh", 5, 5, std::nullopt};  // another algorithm: another schedule
  ASSERT_TRUE(db().keys().add(rsa));
  ASSERT_TRUE(db().keys().rotate(StoredKey{"k4", "ES256", "bmV3", 90, 100, std::nullopt}));
  auto keys = db().keys().list().value();
  ASSERT_EQ(kids(keys), (std::vector<std::string>{"k4", "k3", "k2", "k1", "rsa"}));
  EXPECT_EQ(show(keys[0]), show(StoredKey{"k4", "ES256", "bmV3", 90, 100, std::nullopt}));
  EXPECT_EQ(keys[1].retired_at, 100);
  EXPECT_EQ(keys[2].retired_at, 25);
  EXPECT_EQ(keys[3].retired_at, 100);
  EXPECT_EQ(show(keys[4]), show(rsa));  // not retired by ES256's rotation

  // One step: a taken kid changes nothing, not even the retirements.
  EXPECT_EQ(db().keys().rotate(StoredKey{"k3", "ES256", "dGFrZW4", 190, 200, std::nullopt}).error(),
            StoreError::conflict);
  auto after = db().keys().list().value();
  EXPECT_EQ(shown(after), shown(keys));
  EXPECT_FALSE(after[0].retired_at.has_value());

  // And the next rotation retires the one that was current.
  ASSERT_TRUE(db().keys().rotate(key("k5", 300)));
  keys = db().keys().list().value();
  ASSERT_EQ(kids(keys), (std::vector<std::string>{"k5", "k4", "k3", "k2", "k1", "rsa"}));
  EXPECT_FALSE(keys[0].retired_at.has_value());
  EXPECT_EQ(keys[1].retired_at, 300);
  EXPECT_EQ(keys[2].retired_at, 100);
  EXPECT_FALSE(keys[5].retired_at.has_value());
  // Rotating RS256 retires only RS256's.
  ASSERT_TRUE(db().keys().rotate(StoredKey{"rsa2", "RS256", "cnNh", 400, 400, std::nullopt}));
  keys = db().keys().list().value();
  EXPECT_EQ(kids(keys), (std::vector<std::string>{"rsa2", "k5", "k4", "k3", "k2", "k1", "rsa"}));
  EXPECT_FALSE(keys[1].retired_at.has_value());
  EXPECT_EQ(keys[6].retired_at, 400);
}

// Instances starting together each rotate in a key (load_signing_keys on a
// new database, or after JWT_ALG changed): each rotation being one step, the
// keys left not retired are exactly one. Ten rounds of eight, so that a race
// shows on every run rather than now and then.
TEST_P(KeyStoreTest, ConcurrentKeyRotationsLeaveOneCurrentKey) {
  ASSERT_TRUE(db().keys().add(key("k0", 10)));
  auto second = open_again();
  constexpr int kRounds = 10, kThreads = 8;
  std::vector<std::string> bad_rounds;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> failed{0};
    run_threads(kThreads, 20s, [&](int i) {
      Store& s = i % 2 ? db() : *second;
      // (not "r" + ...: gcc 12 warns falsely there, -Wrestrict)
      const std::string kid = std::string("r").append(std::to_string(round)).append("-").append(std::to_string(i));
      if (!s.keys().rotate(key(kid, 100 + round))) ++failed;
    });
    ASSERT_EQ(failed.load(), 0) << "round " << round;
    std::vector<std::string> current;
    const auto keys = db().keys().list().value();
    for (const auto& k : keys)
      if (!k.retired_at) current.push_back(k.kid);
    if (current.size() != 1) bad_rounds.push_back("round " + std::to_string(round) + ": " + ::testing::PrintToString(current));
  }
  EXPECT_EQ(db().keys().list()->size(), 1u + kRounds * kThreads);
  EXPECT_TRUE(bad_rounds.empty()) << bad_rounds.size() << " of " << kRounds
                                  << " rounds left several keys not retired:\n"
                                  << ::testing::PrintToString(bad_rounds);
}

TEST_P(KeyStoreTest, InstallSignerAddsAKeyPerAlgOnceAndRetiresOtherAlgs) {
  auto signing = [&](UnixSeconds at) {  // the keys that may sign at `at`
    std::vector<std::string> out;
    const auto keys = db().keys().list().value();
    for (const auto& k : keys) {
      if (k.not_before <= at && (!k.retired_at || *k.retired_at > at)) out.push_back(k.kid);
    }
    return out;
  };
  EXPECT_TRUE(db().keys().install_signer(key("es1", 100), 100, "RS256").value());
  EXPECT_FALSE(db().keys().install_signer(key("es2", 110), 110, "RS256").value());  // es1 signs
  EXPECT_TRUE(db().keys().install_signer(StoredKey{"rs1", "RS256", "cnNh", 120, 120, std::nullopt}, 120, "ES256").value());
  EXPECT_EQ(signing(120), (std::vector<std::string>{"rs1", "es1"}));
  // An ES256 rotation scheduled for later (es1 retires then) ...
  ASSERT_TRUE(db().keys().rotate(key("es-later", 1000)));
  EXPECT_EQ(signing(120), (std::vector<std::string>{"rs1", "es1"}));
  EXPECT_EQ(signing(1000), (std::vector<std::string>{"es-later", "rs1"}));
  // ... then JWT_ALG becomes EdDSA: its key is added, ES256's all retire
  // now (es1's retirement brought forward), RS256's stays.
  EXPECT_TRUE(db().keys().install_signer(StoredKey{"ed1", "EdDSA", "ZWQ", 130, 130, std::nullopt}, 130, "RS256").value());
  EXPECT_EQ(signing(130), (std::vector<std::string>{"ed1", "rs1"}));
  EXPECT_EQ(signing(1000), (std::vector<std::string>{"ed1", "rs1"}));
  // JWT_ALG becomes RS256: nothing to add, but EdDSA retires.
  EXPECT_FALSE(db().keys().install_signer(StoredKey{"rs2", "RS256", "cnNh", 140, 140, std::nullopt}, 140, "RS256").value());
  EXPECT_EQ(signing(140), (std::vector<std::string>{"rs1"}));
  auto keys = db().keys().list().value();
  EXPECT_EQ(keys.size(), 4u);
  for (const auto& k : keys) {
    if (k.kid == "ed1") {
      EXPECT_EQ(k.retired_at, 140);
    }
    if (k.kid == "es1" || k.kid == "es-later") {
      EXPECT_EQ(k.retired_at, 130);
    }
  }
}

// Instances starting together on an empty database each try to install a
// key of each algorithm: one per algorithm stays.
TEST_P(KeyStoreTest, ConcurrentInstallsAgreeOnOneSignerPerAlg) {
  auto second = open_again();
  std::atomic<int> failed{0};
  run_threads(8, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    const bool rsa = i % 4 < 2;
    const std::string kid = std::string(rsa ? "rs-" : "es-").append(std::to_string(i));
    StoredKey k{kid, rsa ? "RS256" : "ES256", "bWF0ZXJpYWw", 100, 100, std::nullopt};
    if (!s.keys().install_signer(k, 100, rsa ? "ES256" : "RS256")) ++failed;
  });
  EXPECT_EQ(failed.load(), 0);
  const auto keys = db().keys().list().value();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_NE(keys[0].alg, keys[1].alg);
  EXPECT_FALSE(keys[0].retired_at || keys[1].retired_at);
}

TEST_P(KeyStoreTest, RotateKeyOnAnEmptyStoreJustAdds) {
  ASSERT_TRUE(db().keys().rotate(key("first", 50)));
  auto keys = db().keys().list().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_FALSE(keys[0].retired_at.has_value());
}

INSTANTIATE_FOR_EVERY_BACKEND(KeyStoreTest);

}  // namespace latchkey::store_test
