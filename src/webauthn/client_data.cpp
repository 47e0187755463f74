#include "webauthn/client_data.hpp"

#include <boost/json.hpp>

namespace latchkey::webauthn {

namespace json = boost::json;

tl::expected<ClientData, ClientDataError> parse_client_data(std::string_view text) {
  if (text.size() > 8192) return tl::unexpected(ClientDataError::not_json);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return tl::unexpected(ClientDataError::not_json);
  const json::object& o = v.as_object();
  auto text_of = [&](std::string_view name) -> const json::string* {
    const json::value* m = o.if_contains(name);
    return m && m->is_string() ? &m->as_string() : nullptr;
  };
  const json::string* type = text_of("type");
  const json::string* challenge = text_of("challenge");
  const json::string* origin = text_of("origin");
  if (!type || !challenge || !origin) return tl::unexpected(ClientDataError::missing_member);
  ClientData out{std::string(*type), std::string(*challenge), std::string(*origin), false};
  if (const json::value* c = o.if_contains("crossOrigin")) {
    if (!c->is_bool()) return tl::unexpected(ClientDataError::wrong_type);
    out.cross_origin = c->as_bool();
  }
  return out;
}

}  // namespace latchkey::webauthn
