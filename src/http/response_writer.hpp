#pragma once
// Our Response (message.hpp) as HTTP/1.x bytes, appended to a buffer the
// connection reuses: one contiguous write per answer, no allocation once the
// buffer has grown to the connection's usual answer.
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace latchkey::http {

// Appends the status line, the header block and the body of `r` to `out`.
// Every answer carries Content-Type, Cache-Control (with Pragma: no-cache
// when not storable), X-Content-Type-Options: nosniff and, when given,
// X-Request-Id; a field in r.headers replaces a default of the same name.
// The fields in r.headers are written in order: every Set-Cookie, and of
// any other name the last one given.
// `version` is 10 or 11; `keep_alive` is said the way that version expects.
void write_response(const Response& r, unsigned version, bool keep_alive, std::string_view request_id,
                    std::string& out);

}  // namespace latchkey::http
