#include "api/form.hpp"

#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

namespace latchkey::api {

tl::expected<std::map<std::string, std::string, std::less<>>, FormError> parse_form(std::string_view body) {
  std::map<std::string, std::string, std::less<>> fields;
  if (body.empty()) return fields;
  // Boost.URL 1.81's parse_query measures its input with strlen (boostorg/url#757):
  // give it a NUL-terminated copy, never a view into a larger buffer.
  const std::string text(body);
  auto encoded = boost::urls::parse_query(text);
  if (!encoded) return tl::unexpected(FormError::malformed);
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (const auto& p : *encoded) {
    std::string key = p.key.decode(opts);
    if (key.empty()) continue;
    std::string value = p.has_value ? p.value.decode(opts) : std::string();
    if (!fields.emplace(std::move(key), std::move(value)).second)
      return tl::unexpected(FormError::repeated_field);
  }
  return fields;
}

}  // namespace latchkey::api
