#pragma once
// Running a Router without a socket, for the http/ unit tests.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "http/router.hpp"

namespace latchkey::testing {

// Header fields; names are matched case-insensitively, and a name given
// twice is two fields (get() answers the first).
class MapHeaders : public http::Headers {
 public:
  MapHeaders() = default;
  MapHeaders(std::initializer_list<std::pair<std::string, std::string>> fields) {
    for (const auto& [k, v] : fields) fields_.emplace(lower(k), v);
  }
  std::string_view get(std::string_view name) const override {
    const std::string key = lower(std::string(name));
    auto it = fields_.lower_bound(key);
    return it == fields_.end() || it->first != key ? std::string_view() : std::string_view(it->second);
  }
  std::size_t count(std::string_view name) const override { return fields_.count(lower(std::string(name))); }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return s;
  }
  std::multimap<std::string, std::string> fields_;
};

// Runs router.dispatch(req) to completion.
inline http::Response run_dispatch(const http::Router& router, http::Request& req,
                                   http::Router::Match* matched = nullptr) {
  boost::asio::io_context io;
  std::optional<http::Response> out;
  boost::asio::co_spawn(io, router.dispatch(req, matched), [&](std::exception_ptr e, http::Response r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  io.run();
  return std::move(out).value();
}

}  // namespace latchkey::testing
