#include "http/basic_credentials.hpp"

#include "crypto/base64url.hpp"

namespace latchkey::http {

bool uses_basic(const Request& req) {
  const std::string_view h = req.header("Authorization");
  return h.size() > 6 && h[5] == ' ' && iequals(h.substr(0, 5), "basic");
}

std::optional<BasicCredentials> basic_credentials(const Request& req) {
  if (req.repeated("Authorization") || !uses_basic(req)) return std::nullopt;
  // Standard base64 read as base64url: the same bits, other letters.
  std::string b64(req.header("Authorization").substr(6));
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  auto decoded = crypto::base64url_decode(b64);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace latchkey::http
