#include "cli/cli_output.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <boost/json.hpp>

#include "util/utf8.hpp"

namespace latchkey::cli {

int fail(std::string_view what, int code) {
  std::fprintf(stderr, "latchkey: %.*s\n", static_cast<int>(what.size()), what.data());
  return code;
}

std::string describe(auth::AuthError e) {
  using auth::AuthError;
  switch (e) {
    case AuthError::user_not_found: return "no such user";
    case AuthError::session_not_found: return "no such live session of that user";
    case AuthError::username_taken: return "the username is taken";
    case AuthError::username_invalid: return "the username must be 1 to 64 characters with no control characters";
    case AuthError::credentials_required: return "a username and a password are required";
    case AuthError::password_too_short: return "the password is too short";
    case AuthError::password_too_long: return "the password must be at most 1024 bytes";
    case AuthError::password_common: return "the password is too common; choose another";
    case AuthError::password_is_username: return "the password must not be the username";
    case AuthError::ip_invalid: return "--ip must be an IPv4 or IPv6 address";
    case AuthError::unavailable: return "the database is unavailable; try again";
    default: return "internal error";
  }
}

void print_json(const boost::json::value& v) { std::cout << boost::json::serialize(v) << '\n'; }

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], utf8_length(row[i]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - utf8_length(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << '\n';
  };
  print(header);
  for (const auto& r : rows) print(r);
}

namespace {

// One line of stdin without its line ending; nullopt at end of input.
std::optional<std::string> read_line() {
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> ask_hidden(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  termios before{};
  const bool tty = tcgetattr(STDIN_FILENO, &before) == 0;
  if (tty) {
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = read_line();
  if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &before);
  std::fprintf(stderr, "\n");
  return line;
}

}  // namespace

tl::expected<std::string, std::string> read_password(bool from_stdin) {
  if (from_stdin || !isatty(STDIN_FILENO)) {
    auto line = read_line();
    if (!line || line->empty()) return tl::unexpected(std::string("no password on stdin"));
    return *line;
  }
  auto first = ask_hidden("Password: ");
  if (!first || first->empty()) return tl::unexpected(std::string("no password given"));
  auto again = ask_hidden("Password again: ");
  if (!again || *again != *first) return tl::unexpected(std::string("the passwords differ"));
  return *first;
}

}  // namespace latchkey::cli
