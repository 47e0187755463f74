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

BeastResponse to_beast(Response&& r, unsigned version, bool keep_alive, std::string_view request_id,
                       std::pmr::memory_resource* arena) {
  BeastResponse res{std::piecewise_construct, std::make_tuple(), std::make_tuple(ArenaAlloc(arena))};
  res.result(static_cast<bhttp::status>(r.status));
  res.version(version);
  res.set(bhttp::field::content_type, r.content_type);
  res.set(bhttp::field::cache_control, r.cache_control);
  if (r.cache_control == "no-store") res.set(bhttp::field::pragma, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (!request_id.empty()) res.set("X-Request-Id", request_id);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace latchkey::http
