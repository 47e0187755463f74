#include "http/beast_message.hpp"

#include <cctype>
#include <tuple>
#include <utility>

namespace latchkey::http {

namespace bhttp = boost::beast::http;

void describe(Request& out, const BeastRequest& in) {
  out.method = in.method_string();
  const std::string_view target = in.target();
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  out.body = in.body();
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  }
  return true;
}

}  // namespace latchkey::http
