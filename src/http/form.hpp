#pragma once
// Percent-decoding (RFC 3986 section 2.1) and application/x-www-form-urlencoded
// fields, in one place: the router's path parameters, form bodies (RFC 7662,
// RFC 7009, RFC 6749 requests) and query strings all go through one decoder.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::http {

// Whether '+' stands for a space: it does in forms and query strings, not in paths.
enum class Plus { literal, space };

// Writes the bytes `in` encodes to `out` and returns how many: "%XX" (hex
// digits in either case) is the byte 0xXX, '+' is a space when `plus` says
// so, any other character is itself. `out` needs room for in.size() bytes
// (decoding never lengthens). nullopt when a '%' is not followed by two hex
// digits. Nothing else is checked: which bytes may result is the caller's rule.
std::optional<std::size_t> percent_decode(std::string_view in, char* out, Plus plus = Plus::literal);
// The same, into a new string.
std::optional<std::string> percent_decode(std::string_view in, Plus plus = Plus::literal);

enum class FormError { malformed, repeated_field };
using FormFields = std::map<std::string, std::string, std::less<>>;

// The decoded fields of a form body or a query string ("a=1&b=x+y"; '+' is a
// space). Malformed: a bad escape, or a character RFC 3986 section 3.4 does
// not allow in a query unencoded (controls, space, '"', '#', '<', '>', '[',
// '\\', ']', '^', '`', '{', '|', '}', DEL, any byte above 0x7f). A field
// given twice is an error: which one would count is ambiguous (RFC 6749
// section 3.1). Fields with an empty name are skipped; a field without '='
// has an empty value; a field's value ends at the next '&' (may hold '=').
tl::expected<FormFields, FormError> parse_form(std::string_view body);

// The value of field `name`, or empty when the form has none.
std::string_view form_field(const FormFields& fields, std::string_view name);

// Appends `in` percent-encoded to `out`: RFC 3986's unreserved characters
// (ALPHA, DIGIT, '-', '.', '_', '~') as they are, every other byte as %XX.
// Safe in a query, a form body and a path segment alike.
void percent_encode(std::string_view in, std::string& out);
// "a=1&b=x%20y": the fields in order, each name and value percent-encoded;
// parse_form reads it back to the same fields.
std::string encode_form(const FormFields& fields);

}  // namespace latchkey::http
