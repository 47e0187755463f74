#pragma once
#include <string_view>

namespace latchkey::auth {

// True when the password is among the 10,000 most common ones (the list in
// data/common-passwords.txt, built into the binary), compared as typed and
// in ASCII lower case. ASVS 6.2.11.
bool is_common_password(std::string_view password);

// How many passwords the built-in list holds.
std::size_t common_password_count();

}  // namespace latchkey::auth
