#include "http/form.hpp"

#include <array>

namespace latchkey::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 section 3.4: query = *( pchar / "/" / "?" ), where pchar is
// unreserved / pct-encoded / sub-delims / ":" / "@". '%' is checked with
// its escape, by percent_decode.
constexpr std::array<bool, 256> kQueryChars = [] {
  std::array<bool, 256> ok{};
  for (int c = 'a'; c <= 'z'; ++c) ok[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) ok[c] = true;
  for (int c = '0'; c <= '9'; ++c) ok[c] = true;
  for (unsigned char c : std::string_view("-._~!$&'()*+,;=:@/?%")) ok[c] = true;
  return ok;
}();

// Only query characters, and every '%' begins an escape.
bool well_formed_query(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!kQueryChars[c]) return false;
    if (c == '%' && (s.size() - i < 3 || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)) return false;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> percent_decode(std::string_view in, char* out, Plus plus) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out[n++] = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out[n++] = (c == '+' && plus == Plus::space) ? ' ' : c;
    }
  }
  return n;
}

std::optional<std::string> percent_decode(std::string_view in, Plus plus) {
  std::string out(in.size(), '\0');
  auto n = percent_decode(in, out.data(), plus);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

tl::expected<FormFields, FormError> parse_form(std::string_view body) {
  FormFields fields;
  // The whole text first: malformed wins over a repeated field before the fault.
  if (!well_formed_query(body)) return tl::unexpected(FormError::malformed);
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    auto k = percent_decode(pair.substr(0, eq), Plus::space);
    auto v = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), Plus::space);
    if (!k || !v) return tl::unexpected(FormError::malformed);
    if (k->empty()) continue;
    if (!fields.emplace(std::move(*k), std::move(*v)).second) return tl::unexpected(FormError::repeated_field);
  }
  return fields;
}

std::string_view form_field(const FormFields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string_view{} : std::string_view(it->second);
}

void percent_encode(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

std::string encode_form(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    percent_encode(name, out);
    out += '=';
    percent_encode(value, out);
  }
  return out;
}

}  // namespace latchkey::http
