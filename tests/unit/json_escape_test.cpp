#include "util/json_escape.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <string_view>

using latchkey::append_json_escaped;
using latchkey::append_json_string;

namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

}  // namespace

TEST(JsonEscape, EmptyTextAppendsNothing) {
  std::string out = "head";
  append_json_escaped(out, "");
  EXPECT_EQ(out, "head");
  append_json_string(out, "");
  EXPECT_EQ(out, "head\"\"");
}

TEST(JsonEscape, AppendsAfterWhatIsThere) {
  std::string out = R"({"message":"Hello, )";
  append_json_escaped(out, "ann");
  EXPECT_EQ(out, R"({"message":"Hello, ann)");
  std::string list(1, '[');
  append_json_string(list, "a\"b");
  EXPECT_EQ(list, R"(["a\"b")");
}

TEST(JsonEscape, QuoteAndBackslash) {
  EXPECT_EQ(escaped("\""), R"(\")");
  EXPECT_EQ(escaped("\\"), R"(\\)");
  EXPECT_EQ(escaped(R"(a"b\c""\\)"), R"(a\"b\\c\"\"\\\\)");
}

TEST(JsonEscape, NewlineReturnAndTabInShortForm) {
  EXPECT_EQ(escaped("a\nb\rc\td"), R"(a\nb\rc\td)");
}

TEST(JsonEscape, OtherControlCharactersAsLowercaseU00xx) {
  EXPECT_EQ(escaped(std::string_view("\0", 1)), R"(\u0000)");
  EXPECT_EQ(escaped("\x01"), R"(\u0001)");
  EXPECT_EQ(escaped("\b"), R"(\u0008)");
  EXPECT_EQ(escaped("\v"), R"(\u000b)");
  EXPECT_EQ(escaped("\f"), R"(\u000c)");
  EXPECT_EQ(escaped("\x1b[0m"), R"(\u001b[0m)");
  EXPECT_EQ(escaped("\x1f"), R"(\u001f)");
  EXPECT_EQ(escaped(std::string_view("a\0b", 3)), R"(a\u0000b)");
  static constexpr char kHex[] = "0123456789abcdef";
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\n' || c == '\r' || c == '\t') continue;
    std::string want = R"(\u00)";
    want += kHex[c >> 4];
    want += kHex[c & 0xf];
    EXPECT_EQ(escaped(std::string(1, static_cast<char>(c))), want) << c;
  }
}

TEST(JsonEscape, PrintableAsciiAndDeletePassThrough) {
  std::string text;
  for (int c = 0x20; c <= 0x7f; ++c) {
    if (c != '"' && c != '\\') text += static_cast<char>(c);
  }
  EXPECT_EQ(escaped(text), text);
}

TEST(JsonEscape, NonAsciiUtf8PassesThrough) {
  for (std::string_view s : {"j\xc3\xbcrgen", "\xe6\x9d\xb1\xe4\xba\xac", "\xf0\x9f\x98\x80",
                             "\xe2\x80\xa8\xe2\x80\xa9", "\xc2\x85\xc2\x9f", "\xef\xbb\xbf"}) {
    EXPECT_EQ(escaped(s), s);
  }
  EXPECT_EQ(escaped("Ren\xc3\xa9\n\"\xe6\x9d\xb1\""), "Ren\xc3\xa9\\n\\\"\xe6\x9d\xb1\\\"");
}

TEST(JsonEscape, LongRunsAroundEscapes) {
  const std::string a(1000, 'a'), b(1000, 'b');
  std::string text = a;
  text += '"';
  text += b;
  text += '\x02';
  std::string want = a;
  want += R"(\")";
  want += b;
  want += R"(\u0002)";
  EXPECT_EQ(escaped(text), want);
}

// The /protected answer reserves six bytes a byte of the name: no byte takes more.
TEST(JsonEscape, NoByteTakesMoreThanSix) {
  for (int c = 0; c < 256; ++c) {
    EXPECT_LE(escaped(std::string(1, static_cast<char>(c))).size(), 6u) << c;
  }
}

TEST(JsonEscape, ParsesBackToTheSameText) {
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  for (std::string_view s : {std::string_view(every_ascii), std::string_view("Ren\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80"),
                             std::string_view("")}) {
    std::string doc;
    append_json_string(doc, s);
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(doc, ec);
    ASSERT_FALSE(ec) << doc;
    ASSERT_TRUE(v.is_string()) << doc;
    EXPECT_EQ(std::string_view(v.get_string()), s);
  }
}
