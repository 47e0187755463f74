// libFuzzer target: percent-decoding and form / query decoding (http/form.hpp),
// and the router's path parameters, which use the same decoder.
//
// Besides crashes, leaks and undefined behaviour it checks:
//  - http::parse_form agrees with Boost.URL's parse_query, the decoder it
//    replaced (same fields, same error);
//  - http::percent_decode agrees with Boost.URL's pct_string_view (accepted
//    or not, and the same bytes);
//  - a Router's `{param}` values: the input, cut at its first '\n', fills
//    "/u/{name}/s/{id}"; the answer is 200 with the decoded values (valid,
//    non-empty UTF-8), 400 exactly when one is not, 404 when a piece holds
//    a '/' (more segments than the pattern).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>

#include "http/form.hpp"
#include "http/router.hpp"
#include "util/utf8.hpp"

namespace {

using namespace latchkey;

void expect(bool ok) {
  if (!ok) std::abort();
}

// What the code before http::parse_form did (api/form.cpp until 2026-12).
tl::expected<http::FormFields, http::FormError> boost_url_form(std::string_view body) {
  http::FormFields fields;
  if (body.empty()) return fields;
  const std::string text(body);  // NUL-terminated: Boost.URL 1.81 measures with strlen (boostorg/url#757)
  auto encoded = boost::urls::parse_query(text);
  if (!encoded) return tl::unexpected(http::FormError::malformed);
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (const auto& p : *encoded) {
    std::string key = p.key.decode(opts);
    if (key.empty()) continue;
    std::string value = p.has_value ? p.value.decode(opts) : std::string();
    if (!fields.emplace(std::move(key), std::move(value)).second)
      return tl::unexpected(http::FormError::repeated_field);
  }
  return fields;
}

void check_form(std::string_view input) {
  const auto ours = http::parse_form(input);
  const auto theirs = boost_url_form(input);
  expect(ours.has_value() == theirs.has_value());
  if (ours) {
    expect(*ours == *theirs);
    for (const auto& [k, v] : *ours) expect(!k.empty());
  } else {
    expect(ours.error() == theirs.error());
  }
}

void check_percent_decode(std::string_view input) {
  const std::optional<std::string> ours = http::percent_decode(input);
  auto theirs = boost::urls::make_pct_string_view(boost::core::string_view(input.data(), input.size()));
  expect(ours.has_value() == theirs.has_value());
  if (!ours) return;
  const boost::urls::decode_view decoded = **theirs;
  expect(*ours == std::string(decoded.begin(), decoded.end()));
  expect(ours->size() <= input.size());
}

const http::Router& router() {
  static const http::Router* r = [] {
    auto* made = new http::Router;
    made->add("GET", "/u/{name}/s/{id}", [](const http::Request& req) -> boost::asio::awaitable<http::Response> {
      http::Response res;
      res.body.append(req.param("name")).push_back('\n');
      res.body.append(req.param("id"));
      co_return res;
    });
    return made;
  }();
  return *r;
}

// Nothing but what a decoded parameter may be.
bool valid_param(std::string_view raw) {
  const auto decoded = http::percent_decode(raw);
  return decoded && !decoded->empty() && valid_utf8(*decoded);
}

void check_params(std::string_view input) {
  const std::size_t cut = input.find('\n');
  const std::string_view name = input.substr(0, cut);
  const std::string_view id = cut == std::string_view::npos ? std::string_view() : input.substr(cut + 1);
  const std::string path = "/u/" + std::string(name) + "/s/" + std::string(id);
  struct NoHeaders : http::Headers {
    std::string_view get(std::string_view) const override { return {}; }
    std::size_t count(std::string_view) const override { return 0; }
  } headers;
  http::Request req(headers);
  req.method = "GET";
  req.path = path;
  static boost::asio::io_context io;
  std::optional<http::Response> res;
  boost::asio::co_spawn(io, router().dispatch(req), [&](std::exception_ptr e, http::Response r) {
    expect(!e);
    res = std::move(r);
  });
  io.restart();
  io.run();
  expect(res.has_value());
  if (name.find('/') != std::string_view::npos || id.find('/') != std::string_view::npos) {
    expect(res->status == 404);  // more than the pattern's four segments
    return;
  }
  if (!valid_param(name) || !valid_param(id)) {
    expect(res->status == 400);
    return;
  }
  expect(res->status == 200);
  expect(res->body == *http::percent_decode(name) + "\n" + *http::percent_decode(id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_form(input);
  check_percent_decode(input);
  check_params(input);
  return 0;
}
