// The bytes a connection writes for an answer: what Beast's own parser reads
// back from them, and the fields every answer must carry.
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "http/response_writer.hpp"

namespace latchkey::http {
namespace {

namespace bhttp = boost::beast::http;
using Parsed = bhttp::response<bhttp::string_body>;

Parsed parse(const std::string& wire, bool expect_body = true) {
  bhttp::response_parser<bhttp::string_body> p;
  p.eager(true);  // header and body in one put
  if (!expect_body) p.skip(true);
  boost::beast::error_code ec;
  const std::size_t used = p.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << wire;
  EXPECT_TRUE(p.is_done()) << wire;
  EXPECT_EQ(used, wire.size()) << "bytes after the answer:\n" << wire;
  return p.release();
}

Response json_answer(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ResponseWriter, WritesStatusDefaultsAndBody) {
  std::string wire;
  write_response(json_answer(200, R"({"message":"ok"})"), 11, true, "abc123", wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.1 200 OK\r\n"));
  const Parsed r = parse(wire);
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), R"({"message":"ok"})");
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(r[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(r[bhttp::field::pragma], "no-cache");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(r["X-Request-Id"], "abc123");
  EXPECT_EQ(r[bhttp::field::content_length], "16");
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(r.count(bhttp::field::connection), 0u);
}

TEST(ResponseWriter, ClosingSaysSoForEachVersion) {
  std::string wire;
  write_response(json_answer(400, "{}"), 11, false, "id", wire);
  EXPECT_EQ(parse(wire)[bhttp::field::connection], "close");
  wire.clear();
  write_response(json_answer(200, "{}"), 10, true, "id", wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_EQ(parse(wire)[bhttp::field::connection], "keep-alive");
  wire.clear();
  write_response(json_answer(200, "{}"), 10, false, "id", wire);
  const Parsed closed = parse(wire);
  EXPECT_EQ(closed.count(bhttp::field::connection), 0u);
  EXPECT_FALSE(closed.keep_alive());
}

TEST(ResponseWriter, GivenFieldsReplaceDefaultsAndTheLastOfANameWins) {
  Response r = json_answer(401, R"({"error":"invalid_token"})");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"first\"");
  r.headers.emplace_back("content-type", "application/problem+json");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey\"");
  std::string wire;
  write_response(r, 11, true, "", wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
  const Parsed p = parse(wire);
  EXPECT_EQ(p.count(bhttp::field::content_type), 1u);
  EXPECT_EQ(p[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(p.count(bhttp::field::www_authenticate), 1u);
  EXPECT_EQ(p[bhttp::field::www_authenticate], "Bearer realm=\"latchkey\"");
  EXPECT_EQ(p.count("X-Request-Id"), 0u);  // none given, none written
}

TEST(ResponseWriter, EverySetCookieIsWrittenInOrder) {
  Response r = json_answer(200, "{}");
  r.headers.emplace_back("Set-Cookie", "a=1; Path=/; HttpOnly; Secure; SameSite=Lax");
  r.headers.emplace_back("Cache-Control", "private, max-age=60");  // replaces the default
  r.headers.emplace_back("Set-Cookie", "b=2; Path=/; HttpOnly; Secure; SameSite=Lax");
  std::string wire;
  write_response(r, 11, true, "id", wire);
  const Parsed p = parse(wire);
  EXPECT_EQ(p.count(bhttp::field::set_cookie), 2u);
  auto cookies = p.equal_range(bhttp::field::set_cookie);
  ASSERT_NE(cookies.first, cookies.second);
  EXPECT_EQ(cookies.first->value(), "a=1; Path=/; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(std::next(cookies.first)->value(), "b=2; Path=/; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(p.count(bhttp::field::cache_control), 1u);
  EXPECT_EQ(p[bhttp::field::cache_control], "private, max-age=60");
  EXPECT_EQ(p.count(bhttp::field::content_type), 1u);  // the defaults still once each
  EXPECT_EQ(p.count("X-Request-Id"), 1u);
  EXPECT_LT(wire.find("Set-Cookie: a=1"), wire.find("Set-Cookie: b=2"));
}

TEST(ResponseWriter, CacheableAnswersGetNoPragma) {
  Response r = json_answer(200, R"({"keys":[]})");
  r.cache_control = "public, max-age=300";
  std::string wire;
  write_response(r, 11, true, "id", wire);
  const Parsed p = parse(wire);
  EXPECT_EQ(p[bhttp::field::cache_control], "public, max-age=300");
  EXPECT_EQ(p.count(bhttp::field::pragma), 0u);
}

TEST(ResponseWriter, NoContentHasNoLengthAndNoBody) {
  Response r = json_answer(204, "ignored");
  std::string wire;
  write_response(r, 11, true, "id", wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.1 204 No Content\r\n"));
  EXPECT_TRUE(wire.ends_with("\r\n\r\n"));
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
  EXPECT_EQ(parse(wire, false).body(), "");
}

TEST(ResponseWriter, AppendsToWhatIsThereAndEmptyBodiesSayZero) {
  std::string wire = "HTTP/1.1 100 Continue\r\n\r\n";
  write_response(json_answer(503, ""), 11, false, "id", wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_TRUE(wire.ends_with("Content-Length: 0\r\n\r\n"));
}

TEST(ResponseWriter, LargeBodiesKeepTheirExactLength) {
  std::string body(200'000, 'x');
  std::string wire;
  write_response(json_answer(200, body), 11, true, "id", wire);
  EXPECT_EQ(parse(wire).body().size(), body.size());
}

}  // namespace
}  // namespace latchkey::http
