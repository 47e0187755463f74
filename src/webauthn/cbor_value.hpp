#pragma once
// A decoded CBOR item (libcbor), owned, with the few reads WebAuthn needs:
// maps keyed by small integers (COSE keys) or by text (the attestation
// object), byte strings, text, integers. Every read says when the item is
// not what was asked for; indefinite-length strings are refused (WebAuthn
// requires CTAP2's canonical encoding, which has none).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct cbor_item_t;

namespace latchkey::webauthn {

class CborValue {
 public:
  // The first item of `bytes`, and how many bytes it took; nullopt when they
  // do not start with a well-formed item (or nest deeper than a COSE key may).
  static std::optional<CborValue> decode(std::span<const unsigned char> bytes, std::size_t* consumed = nullptr);

  // The map's value under integer key `key` / text key `key`; nullopt when
  // this is not a map or has no such key.
  std::optional<CborValue> at(std::int64_t key) const;
  std::optional<CborValue> at(std::string_view key) const;
  bool is_map() const;
  std::size_t map_size() const;  // 0 when not a map

  std::optional<std::int64_t> integer() const;  // unsigned or negative, within int64
  std::optional<std::string> bytes() const;     // a definite byte string
  std::optional<std::string> text() const;      // a definite text string

 private:
  explicit CborValue(std::shared_ptr<cbor_item_t> item) : item_(std::move(item)) {}
  std::shared_ptr<cbor_item_t> item_;
};

}  // namespace latchkey::webauthn
