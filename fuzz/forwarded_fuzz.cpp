// libFuzzer target: the client's address behind proxies (http/client_address.hpp).
//
// The input is lines: the first is the TCP peer's address (127.0.0.1 when it
// is none); then `F<value>` is a Forwarded line, `X<value>` an
// X-Forwarded-For line, `T<list>` a TRUSTED_PROXIES value (default
// 127.0.0.0/8, 10.0.0.0/8, ::1, fd00::/8, 2001:db8::/32); other lines are
// ignored. Checked:
//  - TrustedProxies::parse never throws; a list it takes contains the
//    address of each of its entries;
//  - client_address never throws; its answer is normalized (no IPv4-mapped
//    address), its text reads back as itself, and an untrusted peer is its
//    own client;
//  - with no Forwarded line, the answer is that of a plain model of the
//    walk (split every line at commas, walk from the right), which shares
//    no parsing code with the bounded, right-to-left reader under test.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "http/client_address.hpp"

namespace {

using namespace latchkey;
namespace ip = boost::asio::ip;

void expect(bool ok) {
  if (!ok) std::abort();
}

std::optional<ip::address> parse_ip(const std::string& s, bool v6) {
  if (s.empty() || s.find('%') != std::string::npos || s.find('\0') != std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  if (v6) {
    const auto a = ip::make_address_v6(s, ec);
    if (ec) return std::nullopt;
    return http::normalized(ip::address(a));
  }
  const auto a = ip::make_address_v4(s, ec);
  if (ec) return std::nullopt;
  return ip::address(a);
}

bool model_port(const std::string& p) {
  if (p.empty()) return false;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto obf = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '.' || c == '_' || c == '-';
  };
  if (p[0] == '_') return p.size() > 1 && std::all_of(p.begin() + 1, p.end(), obf);
  return p.size() <= 5 && std::all_of(p.begin(), p.end(), digit);
}

// One X-Forwarded-For entry, as the model reads it.
std::optional<ip::address> model_node(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if (s[0] == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos) return std::nullopt;
    const std::string rest = s.substr(close + 1);
    if (!rest.empty() && !(rest[0] == ':' && model_port(rest.substr(1)))) return std::nullopt;
    return parse_ip(s.substr(1, close - 1), true);
  }
  const auto colons = std::count(s.begin(), s.end(), ':');
  if (colons == 0) return parse_ip(s, false);
  if (colons == 1) {
    const auto colon = s.find(':');
    if (!model_port(s.substr(colon + 1))) return std::nullopt;
    return parse_ip(s.substr(0, colon), false);
  }
  return parse_ip(s, true);
}

std::string model_trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The walk as the header describes it, the plain way.
ip::address model(const ip::address& peer, const http::TrustedProxies& trusted,
                  const std::vector<std::string_view>& lines) {
  ip::address client = http::normalized(peer);
  if (!trusted.contains(peer)) return client;
  std::vector<std::string> entries;
  for (std::string_view line : lines) {
    std::size_t from = 0;
    for (;;) {
      const auto comma = line.find(',', from);
      entries.emplace_back(line.substr(from, comma == std::string_view::npos ? line.npos : comma - from));
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
  }
  std::size_t left = http::kMaxForwardingEntries;
  for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
    if (left-- == 0) break;
    if (e->size() > http::kMaxForwardingElementBytes) break;
    const std::string entry = model_trim(*e);
    if (entry.empty()) continue;
    const auto a = model_node(entry);
    if (!a) break;
    client = *a;
    if (!trusted.contains(*a)) break;
  }
  return client;
}

// A parsed list holds what it was given.
void check_trusted(std::string_view list, const http::TrustedProxies& t) {
  std::size_t i = 0;
  const auto sep = [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < list.size()) {
    if (sep(list[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < list.size() && !sep(list[j])) ++j;
    const std::string entry(list.substr(i, j - i));
    i = j;
    const auto slash = entry.find('/');
    const std::string address = entry.substr(0, slash);
    boost::system::error_code ec;
    const ip::address a = ip::make_address(address, ec);
    expect(!ec);  // the list was taken: every entry starts with an address
    // IPv6 ranges match IPv6 addresses; an IPv4-mapped one is an IPv4 range
    // only when its prefix covers the 96 mapping bits.
    if (a.is_v6() && a.to_v6().is_v4_mapped() && slash != std::string::npos &&
        std::stoi(entry.substr(slash + 1)) < 96)
      continue;
    expect(t.contains(a));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t from = 0;;) {
    const auto nl = input.find('\n', from);
    lines.push_back(input.substr(from, nl == std::string_view::npos ? input.npos : nl - from));
    if (nl == std::string_view::npos) break;
    from = nl + 1;
  }

  ip::address peer = ip::make_address_v4("127.0.0.1");
  if (auto p = model_node(std::string(lines[0]))) peer = *p;
  auto trusted = http::TrustedProxies::parse("127.0.0.0/8, 10.0.0.0/8, ::1, fd00::/8, 2001:db8::/32").value();
  std::vector<std::string_view> forwarded, forwarded_for;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    const std::string_view value = line.substr(1);
    if (line[0] == 'F') forwarded.push_back(value);
    else if (line[0] == 'X') forwarded_for.push_back(value);
    else if (line[0] == 'T') {
      auto parsed = http::TrustedProxies::parse(value);
      if (parsed) {
        check_trusted(value, *parsed);
        trusted = std::move(*parsed);
      } else {
        expect(!parsed.error().empty() && parsed.error().find('\n') == std::string::npos);
      }
    }
  }

  const http::ForwardingFields fields{forwarded, forwarded_for};
  const ip::address client = http::client_address(peer, trusted, fields);
  expect(!(client.is_v6() && client.to_v6().is_v4_mapped()));
  const std::string text = http::address_text(client);
  boost::system::error_code ec;
  expect(ip::make_address(text, ec) == client && !ec);
  // ::ffff:1:a00:1 is no mapped address; ::ffff:10.0.0.1 would be.
  expect(!(text.starts_with("::ffff:") && text.find('.') != std::string::npos));
  if (!trusted.contains(peer)) expect(client == http::normalized(peer));
  if (forwarded.empty()) expect(client == model(peer, trusted, forwarded_for));
  return 0;
}
