#pragma once
// Decoding of JSON request bodies and encoding of JSON answers.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "http/message.hpp"
// append_json_string and append_json_escaped, for answers built straight into
// their body, without a JSON value in between.
#include "util/json_escape.hpp"

namespace latchkey::api {

// Ways a body can fail before any field is looked at; each maps to one answer.
enum class BodyError { not_json, not_object, duplicate_key };

// Parses a body as one JSON object (limited depth, UTF-8 checked). An empty
// body is an empty object.
tl::expected<boost::json::object, BodyError> parse_object(std::string_view body);

// A string field: nullopt when absent or null, an error when of another type.
struct WrongType {
  std::string_view field;
};
tl::expected<std::optional<std::string_view>, WrongType> string_field(const boost::json::object& o,
                                                                      std::string_view name);

// The string fields `names` of a JSON object body, each absent/null or a
// string: the body's and the fields' failures already answered (400). The
// views point into `body`.
template <std::size_t N>
struct StringFields {
  boost::json::object body;
  std::array<std::string_view, N> names;
  // The field's value; empty when absent or null.
  std::string_view operator[](std::size_t i) const { return get(i).value_or(std::string_view{}); }
  std::optional<std::string_view> get(std::size_t i) const {
    auto it = body.find(names[i]);
    if (it == body.end() || !it->value().is_string()) return std::nullopt;
    const boost::json::string& s = it->value().get_string();
    return std::string_view(s.data(), s.size());
  }
};
template <std::size_t N>
tl::expected<StringFields<N>, http::Response> string_fields(std::string_view body,
                                                          std::array<std::string_view, N> names);

// 400 answers for the failures above.
http::Response body_error(BodyError e);
http::Response wrong_type(const WrongType& w);

// A JSON answer with this status.
http::Response json_response(unsigned status, const boost::json::object& body);

template <std::size_t N>
tl::expected<StringFields<N>, http::Response> string_fields(std::string_view body,
                                                          std::array<std::string_view, N> names) {
  auto object = parse_object(body);
  if (!object) return tl::unexpected(body_error(object.error()));
  for (std::string_view name : names) {
    if (auto f = string_field(*object, name); !f) return tl::unexpected(wrong_type(f.error()));
  }
  return StringFields<N>{std::move(*object), names};
}

}  // namespace latchkey::api
