// The thin crypto wrappers on hot paths: the allocation-free SHA-256 agrees
// with the plain one (and FIPS 180-2's vector), and buffered request ids are
// well-formed and never repeat.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <span>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

TEST(BufferedRandomToken, OddSizesAndMoreThanThePoolStillWork) {
  EXPECT_EQ(buffered_random_token(1).size(), 2u);
  EXPECT_EQ(buffered_random_token(4095).size(), random_token(4095).size());
  EXPECT_EQ(buffered_random_token(5000).size(), random_token(5000).size());  // past the pool: direct
  EXPECT_EQ(buffered_random_token(0), "");
}

}  // namespace
}  // namespace latchkey::crypto
