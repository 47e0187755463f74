#pragma once
// The kinds of message latchkey sends, as stored in OutboxMail::kind and
// sent as X-Latchkey-Kind. Each has a template pair in mail/templates/
// (<kind>.txt: "Subject: ..." then a blank line and the text; <kind>.html:
// the HTML body, inside layout.html).
#include <array>
#include <optional>
#include <string_view>

namespace latchkey::mail {

// Links (each holds a single-use token; mail/links.hpp makes them).
inline constexpr std::string_view kVerifyEmail = "verify_email";
inline constexpr std::string_view kResetPassword = "reset_password";

// Security notices, queued by the database's triggers (store/mail_store.hpp);
// MAIL_NOTICES turns each on or off.
inline constexpr std::array<std::string_view, 5> kNotices{"new_device", "password_changed", "factor_added",
                                                          "factor_removed", "email_changed"};

inline constexpr std::array<std::string_view, 7> kKinds{kVerifyEmail,      kResetPassword, "new_device",
                                                        "password_changed", "factor_added",  "factor_removed",
                                                        "email_changed"};

inline bool is_notice(std::string_view kind) {
  for (std::string_view k : kNotices)
    if (k == kind) return true;
  return false;
}

}  // namespace latchkey::mail
