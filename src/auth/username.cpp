#include "auth/username.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace latchkey::auth {

std::optional<Username> normalize_username(std::string_view raw, std::size_t max_chars) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  text.trim();
  icu::UnicodeString normal = nfc->normalize(text, status);
  if (U_FAILURE(status) || normal.isEmpty()) return std::nullopt;
  const int32_t chars = normal.countChar32();
  if (chars < 1 || static_cast<std::size_t>(chars) > max_chars) return std::nullopt;
  for (int32_t i = 0; i < normal.length();) {
    const UChar32 c = normal.char32At(i);
    const auto type = u_charType(c);
    // Control and invisible format characters (zero-width space, bidi
    // overrides, BOM) would let two names look the same.
    if (type == U_CONTROL_CHAR || type == U_FORMAT_CHAR || type == U_UNASSIGNED ||
        type == U_SURROGATE || c == 0xfffd ||
        c == 0x2028 || c == 0x2029)
      return std::nullopt;
    i += U16_LENGTH(c);
  }
  Username out;
  normal.toUTF8String(out.display);
  icu::UnicodeString folded = normal;
  folded.foldCase();
  icu::UnicodeString key = nfc->normalize(folded, status);
  if (U_FAILURE(status)) return std::nullopt;
  key.toUTF8String(out.key);
  return out;
}

}  // namespace latchkey::auth
