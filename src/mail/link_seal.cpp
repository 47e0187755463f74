#include "mail/link_seal.hpp"

namespace latchkey::mail {

namespace {

std::string associated_data(std::string_view recipient) {
  std::string aad = "mail-link:";
  aad.append(recipient);
  return aad;
}

}  // namespace

void put_link(boost::json::object& detail, std::string_view link, std::string_view recipient,
              const std::optional<crypto::SealingKey>& key) {
  if (key) detail["sealed_link"] = key->seal(link, associated_data(recipient));
  else detail["link"] = link;
}

std::optional<std::string> link_of(const boost::json::object& detail, std::string_view recipient,
                                   const std::optional<crypto::SealingKey>& key) {
  if (const auto* sealed = detail.if_contains("sealed_link"); sealed != nullptr && sealed->is_string()) {
    if (!key) return std::nullopt;
    return key->open(sealed->get_string(), associated_data(recipient));
  }
  if (const auto* plain = detail.if_contains("link"); plain != nullptr && plain->is_string())
    return std::string(plain->get_string());
  return std::string();
}

}  // namespace latchkey::mail
