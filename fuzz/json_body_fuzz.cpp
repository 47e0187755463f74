// libFuzzer target: request-body decoding. The same bytes go through
// api::parse_object (+ api::string_field for the fields the endpoints read)
// and http::parse_form, as any body may reach either. Besides crashes, leaks
// and undefined behaviour it checks a few properties:
//  - a string field read from an accepted body is valid UTF-8 (Boost.JSON
//    validates), so it can be written into any JSON answer;
//  - such a string, written into a JSON answer, reads back the same;
//  - the error answers are JSON 400s;
//  - form fields have non-empty names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "http/form.hpp"
#include "util/utf8.hpp"

namespace {

using namespace latchkey;

constexpr std::string_view kFields[] = {"username", "password", "token", "refresh_token",
                                        "session_id", "current_password", "new_password"};

void expect(bool ok) {
  if (!ok) std::abort();
}

void check_error_answer(const http::Response& r) {
  expect(r.status == 400);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  expect(!ec && v.is_object());
}

void check_json(std::string_view body) {
  auto obj = api::parse_object(body);
  if (!obj) {
    check_error_answer(api::body_error(obj.error()));
    return;
  }
  for (std::string_view name : kFields) {
    auto f = api::string_field(*obj, name);
    if (!f) {
      expect(f.error().field == name);
      check_error_answer(api::wrong_type(f.error()));
      continue;
    }
    if (*f) expect(sanitize_utf8(**f, (*f)->size()) == **f);
  }
  // A string read from a body, written into an answer (usernames, session
  // ids are), gives JSON that reads back as the same string. (Not the whole
  // object: Boost.JSON 1.81 writes an overflowing number as Infinity, which
  // it cannot read back; no answer ever echoes a client's number.)
  for (std::string_view name : kFields) {
    auto f = api::string_field(*obj, name);
    if (!f || !*f) continue;
    const std::string text = boost::json::serialize(boost::json::object{{name, **f}});
    auto back = api::parse_object(text);
    expect(back.has_value());
    auto g = api::string_field(*back, name);
    expect(g.has_value() && g->has_value() && **g == **f);
  }
}

void check_form(std::string_view body) {
  auto form = http::parse_form(body);
  if (!form) return;
  for (const auto& [k, v] : *form) expect(!k.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_json(body);
  check_form(body);
  return 0;
}
