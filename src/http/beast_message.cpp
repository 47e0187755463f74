#include "http/beast_message.hpp"

#include <cctype>
#include <tuple>
#include <utility>

#include <boost/beast/core/string.hpp>

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

std::span<const std::string_view> last_values(const BeastRequest& in, std::string_view name,
                                              std::span<std::string_view> room) {
  auto [first, last] = in.equal_range(name);
  std::size_t n = room.size();
  while (last != first && n > 0) {
    --last;
    if (boost::beast::iequals(last->name_string(), name)) room[--n] = last->value();
  }
  return room.subspan(n);
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
