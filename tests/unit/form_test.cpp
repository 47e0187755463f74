// http/form.hpp: percent-decoding, and form bodies / query strings decoded
// as Boost.URL's parse_query did before (compared below on many inputs).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

#include "http/form.hpp"

namespace latchkey::http {
namespace {

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("%41%62c%2f%2F"), "Abc//");
  EXPECT_EQ(percent_decode("plain"), "plain");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%C3%A9"), "\xc3\xa9");
  EXPECT_EQ(percent_decode("%ff"), "\xff");  // bytes, whatever they are: the caller's rule
}

TEST(PercentDecode, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b%2B"), "a+b+");
  EXPECT_EQ(percent_decode("a+b%2B", Plus::space), "a b+");
}

TEST(PercentDecode, RefusesBadEscapes) {
  for (std::string_view bad : {"%", "%4", "%zz", "%4g", "a%", "a%2", "%%41", "%G0"})
    EXPECT_EQ(percent_decode(bad), std::nullopt) << bad;
}

TEST(PercentDecode, IntoABufferNeverLonger) {
  char out[16];
  EXPECT_EQ(percent_decode("a%20b+c", out, Plus::space), 5u);
  EXPECT_EQ(std::string_view(out, 5), "a b c");
}

TEST(Form, DecodesFields) {
  auto f = parse_form("token=abc&token_type_hint=refresh_token&x=a+b%2Bc&empty=&bare&eq=a=b");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->at("token"), "abc");
  EXPECT_EQ(f->at("token_type_hint"), "refresh_token");
  EXPECT_EQ(f->at("x"), "a b+c");
  EXPECT_EQ(f->at("empty"), "");
  EXPECT_EQ(f->at("bare"), "");
  EXPECT_EQ(f->at("eq"), "a=b");
  EXPECT_EQ(f->size(), 6u);
}

TEST(Form, SkipsEmptyNames) {
  auto f = parse_form("&&=x&a=1&");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->size(), 1u);
  EXPECT_EQ(parse_form("").value().size(), 0u);
}

TEST(Form, ARepeatedFieldIsAnError) {
  EXPECT_EQ(parse_form("a=1&a=2").error(), FormError::repeated_field);
  EXPECT_EQ(parse_form("a=1&%61=2").error(), FormError::repeated_field);  // the same name once decoded
  EXPECT_EQ(parse_form("a+b=1&a%20b=2").error(), FormError::repeated_field);
}

TEST(Form, RefusesWhatAQueryCannotHold) {
  for (std::string_view bad : {"a=%zz", "a=%", "a=1&b=%4", "a=b c", "a=\"", "a=<", "a=1#f", "a=[", "a=\\", "a=^",
                               "a=`", "a={", "a=|", "a=}", "a=\x7f", "a=\xc3\xa9", "a=\t"})
    EXPECT_EQ(parse_form(bad).error(), FormError::malformed) << bad;
  EXPECT_EQ(parse_form(std::string_view("a=1\0b", 5)).error(), FormError::malformed);
  // Malformed anywhere wins over a repeated field before it.
  EXPECT_EQ(parse_form("a=1&a=2&b=%zz").error(), FormError::malformed);
  // Everything RFC 3986 allows in a query may come unencoded.
  EXPECT_EQ(parse_form("q=/?:@!$'()*,;-._~").value().at("q"), "/?:@!$'()*,;-._~");
}

// What Boost.URL's parse_query made of `text` (the decoder before this one),
// in the same shape as parse_form's answer.
tl::expected<FormFields, FormError> boost_url_form(const std::string& text) {
  FormFields fields;
  if (text.empty()) return fields;
  auto encoded = boost::urls::parse_query(text);
  if (!encoded) return tl::unexpected(FormError::malformed);
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (const auto& p : *encoded) {
    std::string key = p.key.decode(opts);
    if (key.empty()) continue;
    std::string value = p.has_value ? p.value.decode(opts) : std::string();
    if (!fields.emplace(std::move(key), std::move(value)).second) return tl::unexpected(FormError::repeated_field);
  }
  return fields;
}

TEST(Form, AgreesWithBoostUrl) {
  // Short strings over an alphabet rich in separators, escapes and bad bytes.
  const std::string alphabet = "ab=&+%%2041fFzZ \"#<>[]\\^`{|}\x7f\x80\xff\x01/?:@!$'()*,;-._~";
  std::mt19937 rng(20261205);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), length(0, 12);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (std::size_t n = length(rng); n > 0; --n) text.push_back(alphabet[pick(rng)]);
    const auto ours = parse_form(text);
    const auto theirs = boost_url_form(text);
    ASSERT_EQ(ours.has_value(), theirs.has_value()) << text;
    if (ours) EXPECT_EQ(*ours, *theirs) << text;
    else EXPECT_EQ(ours.error(), theirs.error()) << text;
  }
}

}  // namespace
}  // namespace latchkey::http
