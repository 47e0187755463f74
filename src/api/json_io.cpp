#include "api/json_io.hpp"

#include <boost/json.hpp>

#include "http/router.hpp"

namespace latchkey::api {

namespace json = boost::json;

tl::expected<json::object, BodyError> parse_object(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return tl::unexpected(BodyError::not_json);
  if (!v.is_object()) return tl::unexpected(BodyError::not_object);
  return std::move(v.as_object());
}

tl::expected<std::optional<std::string_view>, WrongType> string_field(const json::object& o,
                                                                      std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string_view>{};
  if (!it->value().is_string()) return tl::unexpected(WrongType{name});
  const json::string& s = it->value().get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

http::Response body_error(BodyError e) {
  switch (e) {
    case BodyError::not_json:
      return http::json_error(400, "invalid_json", "Request body is not valid JSON");
    case BodyError::not_object:
      return http::json_error(400, "invalid_json", "Request body must be a JSON object");
  }
  return http::json_error(400, "invalid_json", "Request body is not valid JSON");
}

http::Response wrong_type(const WrongType& w) {
  return http::json_error(400, "invalid_request",
                          "Field '" + std::string(w.field) + "' must be a string");
}

http::Response json_response(unsigned status, const json::object& body) {
  http::Response r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

}  // namespace latchkey::api
