#pragma once
// Between Beast's messages and ours (message.hpp): the types a connection
// parses a request into, shared by the connection loop and the micro
// benchmark that measures it. Header fields live in a per-connection arena
// (a monotonic buffer released for each request), so parsing and answering a
// request allocate nothing unless its headers outgrow the arena.
#include <cstddef>
#include <memory_resource>
#include <span>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.hpp"

namespace latchkey::http {

using ArenaAlloc = std::pmr::polymorphic_allocator<char>;
using ArenaFields = boost::beast::http::basic_fields<ArenaAlloc>;
using BeastRequest = boost::beast::http::request<boost::beast::http::string_body, ArenaFields>;

// Enough for the header fields of a typical request.
inline constexpr std::size_t kArenaBytes = 4096;
// 72 random bits: 12 characters, short enough for std::string's inline buffer.
inline constexpr std::size_t kRequestIdBytes = 9;

class BeastHeaders final : public Headers {
 public:
  explicit BeastHeaders(const BeastRequest& r) : r_(r) {}
  std::string_view get(std::string_view name) const override { return r_[name]; }
  std::size_t count(std::string_view name) const override { return r_.count(name); }

 private:
  const BeastRequest& r_;
};

// Points `out`'s method, path, query and body into `in` (which must outlive it).
void describe(Request& out, const BeastRequest& in);

// The values of the last lines of the field `name` (as many as `room` holds),
// in the request's order, written to `room`. Beast's equal_range runs from a
// name's first line to its last, with whatever fields came between: those
// are skipped here. No allocation; the views point into `in`.
std::span<const std::string_view> last_values(const BeastRequest& in, std::string_view name,
                                              std::span<std::string_view> room);

// A client's X-Request-Id is echoed only when short and plain.
bool valid_request_id(std::string_view id);

}  // namespace latchkey::http
