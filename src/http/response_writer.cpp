#include "http/response_writer.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <charconv>

namespace latchkey::http {

namespace {

// Whether r.headers has a field named `name` at or after `from`.
bool given(const Response& r, std::string_view name, std::size_t from = 0) {
  for (std::size_t i = from; i < r.headers.size(); ++i)
    if (boost::beast::iequals(r.headers[i].first, name)) return true;
  return false;
}

// Set-Cookie is the one field an answer repeats rather than combines
// (RFC 6265 section 3; RFC 9110 section 5.3): each one is written. Of any
// other name given twice, the last wins, so a handler can override what a
// middleware set.
bool repeatable(std::string_view name) { return boost::beast::iequals(name, "Set-Cookie"); }

void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void number(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;  // 24 digits hold any size_t
  out.append(digits, end);
}

}  // namespace

void write_response(const Response& r, unsigned version, bool keep_alive, std::string_view request_id,
                    std::string& out) {
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  number(out, r.status);
  out.push_back(' ');
  out.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status)));
  out.append("\r\n");
  // A field in r.headers (WWW-Authenticate, Retry-After, Allow...) replaces
  // a default of the same name; with none, each check is an empty loop.
  if (!given(r, "Content-Type")) field(out, "Content-Type", r.content_type);
  if (!given(r, "Cache-Control")) field(out, "Cache-Control", r.cache_control);
  if (r.cache_control == "no-store" && !given(r, "Pragma")) field(out, "Pragma", "no-cache");
  if (!given(r, "X-Content-Type-Options")) field(out, "X-Content-Type-Options", "nosniff");
  if (!request_id.empty() && !given(r, "X-Request-Id")) field(out, "X-Request-Id", request_id);
  for (std::size_t i = 0; i < r.headers.size(); ++i) {
    const auto& [name, value] = r.headers[i];
    if (repeatable(name) || !given(r, name, i + 1)) field(out, name, value);
  }
  // HTTP/1.1 keeps alive unless told; HTTP/1.0 closes unless told.
  if (version == 10 && keep_alive) field(out, "Connection", "keep-alive");
  if (version != 10 && !keep_alive) field(out, "Connection", "close");
  // 1xx, 204 and 304 have no body and say no length (RFC 9110 8.6).
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (!bodiless) {
    out.append("Content-Length: ");
    number(out, r.body.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  if (!bodiless) out.append(r.body);
}

}  // namespace latchkey::http
