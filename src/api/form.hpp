#pragma once
// application/x-www-form-urlencoded bodies (RFC 7662 / RFC 7009 requests).
#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::api {

enum class FormError { malformed, repeated_field };

// Decoded fields ('+' is a space). A field given twice is an error: which
// one would count is ambiguous (RFC 6749 section 3.1).
tl::expected<std::map<std::string, std::string, std::less<>>, FormError> parse_form(std::string_view body);

}  // namespace latchkey::api
