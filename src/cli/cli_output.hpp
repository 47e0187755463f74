#pragma once
// What the administration commands print: aligned tables for people, JSON
// for scripts, and one line on stderr for each failure. Exit codes: 0 done,
// 1 failed, 2 usage error.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>
#include <tl/expected.hpp>

#include "auth/errors.hpp"

namespace latchkey::cli {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

// "latchkey: <what>" on stderr; returns `code`.
int fail(std::string_view what, int code = kFailed);

// A readable reason for a service failure ("no such user").
std::string describe(auth::AuthError e);

// The JSON document on stdout, one line.
void print_json(const boost::json::value& v);

// Columns padded to their widest cell (in characters).
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// The password for `user add` / `user set-password`: the first line of
// stdin; on a terminal, asked for twice without echo. The error is a reason.
tl::expected<std::string, std::string> read_password(bool from_stdin);

}  // namespace latchkey::cli
