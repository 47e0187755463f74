#pragma once
// A link (it holds a single-use token) as it waits in the outbox's detail:
// sealed with the data encryption key when there is one (crypto/aead.hpp;
// the associated data ties it to its recipient), so a copy of the database
// holds no usable link; in clear otherwise. Emptied once sent either way.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "crypto/aead.hpp"

namespace latchkey::mail {

// Puts `link` in `detail`: "sealed_link" with a key, else "link".
void put_link(boost::json::object& detail, std::string_view link, std::string_view recipient,
              const std::optional<crypto::SealingKey>& key);

// The link of `detail` ("" when it has none); nullopt when it is sealed
// and cannot be opened (no key, another key, another recipient).
std::optional<std::string> link_of(const boost::json::object& detail, std::string_view recipient,
                                   const std::optional<crypto::SealingKey>& key);

}  // namespace latchkey::mail
