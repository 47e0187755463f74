#include "util/log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

using namespace latchkey;

// JSON lines escape the event, the keys and the string values alike
// (util/json_escape.hpp), so that each line is one JSON object.
TEST(Log, JsonLineEscapesEventKeysAndValues) {
  log::set_format(log::Format::json);
  log::set_level(log::Level::info);
  testing::internal::CaptureStderr();
  log::info("test.\"event\"", {{"k\\ey", std::string_view("a\nb\t\x01 R\xc3\xa9")}, {"n", std::int64_t{3}}});
  const std::string line = testing::internal::GetCapturedStderr();
  log::set_format(log::Format::text);

  EXPECT_NE(line.find(R"("event":"test.\"event\"","k\\ey":"a\nb\t\u0001 R)"
                      "\xc3\xa9"
                      R"(","n":3})"),
            std::string::npos)
      << line;
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  const auto& o = v.as_object();
  EXPECT_EQ(std::string_view(o.at("event").as_string()), "test.\"event\"");
  EXPECT_EQ(std::string_view(o.at("k\\ey").as_string()), "a\nb\t\x01 R\xc3\xa9");
  EXPECT_EQ(o.at("n").as_int64(), 3);
}
