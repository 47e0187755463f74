#include "api/json_io.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <set>
#include <vector>

#include "http/router.hpp"

namespace latchkey::api {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDepth = 16;

// A SAX pass that only looks for an object naming one key twice: which of
// the two would count is ambiguous, so such a body is refused, never guessed.
class DuplicateKeyFinder {
 public:
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  bool duplicate = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code& ec) {
    key_.append(s);
    const bool fresh = keys_.back().insert(std::move(key_)).second;
    key_.clear();
    if (!fresh) {
      duplicate = true;
      ec = boost::json::error::syntax;  // stop here
      return false;
    }
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<std::set<std::string, std::less<>>> keys_;
  std::string key_;
};

bool has_duplicate_key(std::string_view body) {
  json::parse_options opts;
  opts.max_depth = kMaxDepth;
  json::basic_parser<DuplicateKeyFinder> p(opts);
  boost::system::error_code ec;
  p.write_some(false, body.data(), body.size(), ec);
  return p.handler().duplicate;
}

}  // namespace

tl::expected<json::object, BodyError> parse_object(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
  json::parse_options opts;
  opts.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return tl::unexpected(BodyError::not_json);
  if (has_duplicate_key(body)) return tl::unexpected(BodyError::duplicate_key);
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
    case BodyError::duplicate_key:
      return http::json_error(400, "invalid_json", "Request body names a field twice");
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
