#include "webauthn/cbor_value.hpp"

#include <cbor.h>

#include <limits>

namespace latchkey::webauthn {

namespace {

std::shared_ptr<cbor_item_t> owned(cbor_item_t* item) {
  return std::shared_ptr<cbor_item_t>(item, [](cbor_item_t* i) { cbor_decref(&i); });
}

std::shared_ptr<cbor_item_t> shared_ref(cbor_item_t* item) { return owned(cbor_incref(item)); }

// Attestation objects nest three levels (object, attStmt, x5c array); a
// COSE key one. Deeper input is no WebAuthn structure: refused before any
// recursion can matter.
constexpr int kMaxDepth = 16;

int depth_of(const cbor_item_t* item, int level) {
  if (level > kMaxDepth) return level;
  int deepest = level;
  if (cbor_isa_map(item)) {
    const std::size_t n = cbor_map_size(item);
    cbor_pair* pairs = cbor_map_handle(item);
    for (std::size_t i = 0; i < n && deepest <= kMaxDepth; ++i) {
      deepest = std::max(deepest, depth_of(pairs[i].key, level + 1));
      deepest = std::max(deepest, depth_of(pairs[i].value, level + 1));
    }
  } else if (cbor_isa_array(item)) {
    const std::size_t n = cbor_array_size(item);
    cbor_item_t** items = cbor_array_handle(item);
    for (std::size_t i = 0; i < n && deepest <= kMaxDepth; ++i) deepest = std::max(deepest, depth_of(items[i], level + 1));
  } else if (cbor_isa_tag(item)) {
    cbor_item_t* inner = cbor_tag_item(item);
    deepest = depth_of(inner, level + 1);
    cbor_decref(&inner);
  }
  return deepest;
}

// Whether the first item of `bytes` declares no more than the bytes hold:
// every string's length, every array's and map's count (each item takes a
// byte at least). libcbor allocates what a header declares before reading
// it, so a 9-byte header could ask for gigabytes (found by webauthn_fuzz).
// No allocation here; indefinite lengths and reserved values are refused
// (CTAP2's canonical CBOR has none).
bool sizes_fit(std::span<const unsigned char> bytes) {
  std::size_t at = 0;
  std::uint64_t pending = 1;  // items still to read
  while (pending > 0) {
    if (at >= bytes.size()) return false;
    const unsigned char first = bytes[at++];
    const int major = first >> 5, info = first & 31;
    std::uint64_t value = static_cast<std::uint64_t>(info);
    if (info >= 24) {
      if (info > 27) return false;  // reserved (28-30), or indefinite (31)
      const std::size_t n = std::size_t{1} << (info - 24);  // 1, 2, 4 or 8 bytes
      if (bytes.size() - at < n) return false;
      value = 0;
      for (std::size_t i = 0; i < n; ++i) value = (value << 8) | bytes[at++];
    }
    --pending;
    const std::uint64_t left = bytes.size() - at;
    switch (major) {
      case 2:  // byte string
      case 3:  // text string
        if (value > left) return false;
        at += static_cast<std::size_t>(value);
        break;
      case 4:  // array
        if (value > left) return false;
        pending += value;
        break;
      case 5:  // map
        if (value > left / 2) return false;
        pending += 2 * value;
        break;
      case 6:  // tag: one item follows
        pending += 1;
        break;
      default:  // integers, simple values, floats: the argument was all
        break;
    }
    if (pending > bytes.size() - at) return false;
  }
  return true;
}

}  // namespace

std::optional<CborValue> CborValue::decode(std::span<const unsigned char> bytes, std::size_t* consumed) {
  if (bytes.empty() || !sizes_fit(bytes)) return std::nullopt;
  cbor_load_result result{};
  cbor_item_t* item = cbor_load(bytes.data(), bytes.size(), &result);
  if (!item || result.error.code != CBOR_ERR_NONE) {
    if (item) cbor_decref(&item);
    return std::nullopt;
  }
  auto value = owned(item);
  if (depth_of(item, 0) > kMaxDepth) return std::nullopt;
  if (consumed) *consumed = result.read;
  return CborValue(std::move(value));
}

bool CborValue::is_map() const { return cbor_isa_map(item_.get()); }

std::size_t CborValue::map_size() const { return is_map() ? cbor_map_size(item_.get()) : 0; }

std::optional<CborValue> CborValue::at(std::int64_t key) const {
  if (!is_map()) return std::nullopt;
  const std::size_t n = cbor_map_size(item_.get());
  cbor_pair* pairs = cbor_map_handle(item_.get());
  for (std::size_t i = 0; i < n; ++i) {
    if (CborValue(shared_ref(pairs[i].key)).integer() == key) return CborValue(shared_ref(pairs[i].value));
  }
  return std::nullopt;
}

std::optional<CborValue> CborValue::at(std::string_view key) const {
  if (!is_map()) return std::nullopt;
  const std::size_t n = cbor_map_size(item_.get());
  cbor_pair* pairs = cbor_map_handle(item_.get());
  for (std::size_t i = 0; i < n; ++i) {
    if (CborValue(shared_ref(pairs[i].key)).text() == key) return CborValue(shared_ref(pairs[i].value));
  }
  return std::nullopt;
}

std::optional<std::int64_t> CborValue::integer() const {
  const cbor_item_t* i = item_.get();
  if (!cbor_isa_uint(i) && !cbor_isa_negint(i)) return std::nullopt;
  const std::uint64_t v = cbor_get_int(i);
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  // A negative integer n is encoded as -1 - n.
  return cbor_isa_uint(i) ? static_cast<std::int64_t>(v) : -1 - static_cast<std::int64_t>(v);
}

std::optional<std::string> CborValue::bytes() const {
  const cbor_item_t* i = item_.get();
  if (!cbor_isa_bytestring(i) || !cbor_bytestring_is_definite(i)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(i)), cbor_bytestring_length(i));
}

std::optional<std::string> CborValue::text() const {
  const cbor_item_t* i = item_.get();
  if (!cbor_isa_string(i) || !cbor_string_is_definite(i)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(i)), cbor_string_length(i));
}

}  // namespace latchkey::webauthn
