#include "webauthn/attestation_object.hpp"

#include <span>

#include "webauthn/cbor_value.hpp"

namespace latchkey::webauthn {

tl::expected<AttestationObject, AttestationError> parse_attestation_object(std::string_view cbor) {
  if (cbor.size() > 65536) return tl::unexpected(AttestationError::not_cbor);
  std::size_t used = 0;
  auto map = CborValue::decode({reinterpret_cast<const unsigned char*>(cbor.data()), cbor.size()}, &used);
  if (!map || !map->is_map() || used != cbor.size()) return tl::unexpected(AttestationError::not_cbor);
  auto fmt_v = map->at(std::string_view("fmt"));
  auto data_v = map->at(std::string_view("authData"));
  auto stmt_v = map->at(std::string_view("attStmt"));
  auto fmt = fmt_v ? fmt_v->text() : std::nullopt;
  auto data = data_v ? data_v->bytes() : std::nullopt;
  if (!fmt || !data || !stmt_v || !stmt_v->is_map()) return tl::unexpected(AttestationError::missing_member);
  return AttestationObject{std::move(*fmt), std::move(*data)};
}

}  // namespace latchkey::webauthn
