#pragma once
// Decoding of JSON request bodies and encoding of JSON answers.
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

// 400 answers for the failures above.
http::Response body_error(BodyError e);
http::Response wrong_type(const WrongType& w);

// A JSON answer with this status.
http::Response json_response(unsigned status, const boost::json::object& body);

}  // namespace latchkey::api
