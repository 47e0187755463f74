// The thin crypto wrappers on hot paths: the allocation-free SHA-256 agrees
// with the plain one (and FIPS 180-2's vector), and buffered request ids are
// well-formed and never repeat.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cctype>
#include <span>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace latchkey::crypto {
namespace {

std::string hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

TEST(Sha256Into, MatchesTheStandardVectorAndTheAllocatingForm) {
  std::array<unsigned char, 32> d{};
  sha256_into("abc", d);
  EXPECT_EQ(hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_into("", d);
  EXPECT_EQ(hex(d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string big(100'000, 'x');
  sha256_into(big, d);
  const std::string plain = sha256(big);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.data()), d.size()), plain);
}

TEST(Sha256Into, EachThreadGetsItsOwnContext) {
  std::vector<std::thread> threads;
  std::array<bool, 4> ok{};
  for (std::size_t t = 0; t < ok.size(); ++t) {
    threads.emplace_back([&ok, t] {
      std::array<unsigned char, 32> d{};
      bool good = true;
      for (int i = 0; i < 2000; ++i) {
        sha256_into("abc", d);
        good = good && hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
      }
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (bool good : ok) EXPECT_TRUE(good);
}

TEST(BufferedRandomToken, IsBase64urlOfTheRightLengthAndNeverRepeats) {
  std::set<std::string> seen;
  // Several refills of the 4 KiB pool (9 bytes each: 455 per pool).
  for (int i = 0; i < 5000; ++i) {
    const std::string id = buffered_random_token(9);
    ASSERT_EQ(id.size(), 12u);
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    EXPECT_TRUE(seen.insert(id).second) << "repeated: " << id;
  }
}

// The milliseconds a time-ordered token starts with.
std::uint64_t millis_of(const std::string& token) {
  auto bytes = base64url_decode(token);
  if (!bytes || bytes->size() < 6) return 0;
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | static_cast<unsigned char>((*bytes)[i]);
  return ms;
}

TEST(TimeOrderedToken, StartsWithTheTimeAndEndsWithRandomness) {
  const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
  const std::string a = time_ordered_token(10);
  const std::string b = time_ordered_token(10);
  EXPECT_EQ(a.size(), 22u);  // 16 bytes, base64url without padding: a session id's length
  EXPECT_EQ(time_ordered_token(6).size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_GE(millis_of(a), now);
  EXPECT_LT(millis_of(a), now + 60'000);
  EXPECT_LE(millis_of(a), millis_of(b));
  EXPECT_NE(a.substr(8), b.substr(8));  // the random part
}

TEST(BufferedRandomToken, OddSizesAndMoreThanThePoolStillWork) {
  EXPECT_EQ(buffered_random_token(1).size(), 2u);
  EXPECT_EQ(buffered_random_token(4095).size(), random_token(4095).size());
  EXPECT_EQ(buffered_random_token(5000).size(), random_token(5000).size());  // past the pool: direct
  EXPECT_EQ(buffered_random_token(0), "");
}

}  // namespace
}  // namespace latchkey::crypto
