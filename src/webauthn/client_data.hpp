#pragma once
// clientDataJSON (WebAuthn Level 3, 5.8.1): what the browser says the
// ceremony was. Parsed strictly as JSON; the caller checks each member
// against what it expects (ceremony.hpp).
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::webauthn {

struct ClientData {
  std::string type;       // "webauthn.create" or "webauthn.get"
  std::string challenge;  // base64url, as the browser echoes it
  std::string origin;     // "https://auth.example.com"
  bool cross_origin = false;
};

enum class ClientDataError { not_json, missing_member, wrong_type };

// At most 8 KiB: no browser sends more.
tl::expected<ClientData, ClientDataError> parse_client_data(std::string_view json);

}  // namespace latchkey::webauthn
