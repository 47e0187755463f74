#include "http/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include "http/grammar.hpp"

namespace latchkey::http {

namespace ip = boost::asio::ip;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

// RFC 7239 section 6: port = 1*5DIGIT, obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-").
bool valid_port(std::string_view p) {
  if (p.empty()) return false;
  if (p.front() == '_') {
    return p.size() > 1 && std::all_of(p.begin() + 1, p.end(), [](char c) {
             return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
           });
  }
  return p.size() <= 5 && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An IP literal, parsed in a buffer on the stack: Asio's string overloads
// would copy it into a std::string. A zone ("fe80::1%eth0") is refused
// before Asio sees it: Asio would ask the kernel for that interface. So is
// a NUL, which would end the text early ("1.2.3.4\0junk").
std::optional<ip::address> ip_literal(std::string_view s, bool v6) {
  char text[INET6_ADDRSTRLEN];
  if (s.empty() || s.size() >= sizeof text || s.find_first_of(std::string_view("%\0", 2)) != std::string_view::npos)
    return std::nullopt;
  std::memcpy(text, s.data(), s.size());
  text[s.size()] = '\0';
  boost::system::error_code ec;
  if (v6) {
    const ip::address_v6 a = ip::make_address_v6(text, ec);
    if (ec) return std::nullopt;
    return normalized(ip::address(a));
  }
  const ip::address_v4 a = ip::make_address_v4(text, ec);
  if (ec) return std::nullopt;
  return ip::address(a);
}

// The address a node names (RFC 7239 section 6, and X-Forwarded-For's
// entries): 192.0.2.1, 192.0.2.1:80, [2001:db8::1], [2001:db8::1]:80, or a
// bare 2001:db8::1 (RFC 7239 wants brackets; X-Forwarded-For writers do
// not use them). Nothing for `unknown`, an obfuscated `_name` or garbage.
std::optional<ip::address> node_address(std::string_view node) {
  if (node.empty()) return std::nullopt;
  if (node.front() == '[') {
    const std::size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
    return ip_literal(node.substr(1, close - 1), true);
  }
  const std::size_t colon = node.find(':');
  if (colon == std::string_view::npos) return ip_literal(node, false);
  if (node.find(':', colon + 1) == std::string_view::npos) {  // one colon: IPv4 and a port
    if (!valid_port(node.substr(colon + 1))) return std::nullopt;
    return ip_literal(node.substr(0, colon), false);
  }
  return ip_literal(node, true);
}

// The walk from the right, one entry at a time.
class Walk {
 public:
  Walk(const ip::address& peer, const TrustedProxies& trusted) : trusted_(trusted), client_(peer) {}

  bool over() const { return over_; }
  void stop() { over_ = true; }
  // Whether one more entry may be looked at; each counts, empty ones too.
  bool next() {
    if (left_ == 0) over_ = true;
    if (over_) return false;
    --left_;
    return true;
  }
  // An entry naming `a`, or no address (which ends the walk where it is).
  void take(const std::optional<ip::address>& a) {
    if (!a) {
      over_ = true;
      return;
    }
    client_ = *a;
    if (!trusted_.contains(*a)) over_ = true;  // the client
  }
  const ip::address& client() const { return client_; }

 private:
  const TrustedProxies& trusted_;
  ip::address client_;  // the last address walked
  std::size_t left_ = kMaxForwardingEntries;
  bool over_ = false;
};

// X-Forwarded-For: "client, proxy1, proxy2", entries right to left. An
// entry's start is looked for at most kMaxForwardingElementBytes back.
void walk_x_forwarded_for(std::string_view line, Walk& walk) {
  std::size_t end = line.size();
  while (walk.next()) {
    const std::size_t window = std::min(end, kMaxForwardingElementBytes + 1);
    const std::size_t comma = line.substr(end - window, window).rfind(',');
    std::size_t start = 0;
    if (comma != std::string_view::npos) {
      start = end - window + comma + 1;
    } else if (end > kMaxForwardingElementBytes) {
      walk.stop();  // longer than any address: malformed
      return;
    }
    const std::string_view entry = trim_ows(line.substr(start, end - start));
    if (!entry.empty()) walk.take(node_address(entry));
    if (start == 0) return;
    end = start - 1;
  }
}

// The start of the Forwarded element ending at `end`: just past the nearest
// comma to the left outside a quoted-string. Read backwards, which is sound
// for what the trusted hops wrote (the right end of the line); no more than
// kMaxForwardingElementBytes back. Nothing when the element is longer or its
// quotes do not pair up.
std::optional<std::size_t> forwarded_element_start(std::string_view line, std::size_t end) {
  // The element and the comma before it.
  const std::size_t floor = end > kMaxForwardingElementBytes ? end - kMaxForwardingElementBytes - 1 : 0;
  bool quoted = false;
  for (std::size_t i = end; i > floor; --i) {
    const char c = line[i - 1];
    if (c == '"') {
      if (quoted) {
        // Inside a quoted-string, a quote after an odd run of backslashes is
        // a quoted-pair (RFC 9110 section 5.6.4), not the opening quote.
        std::size_t slashes = 0;
        while (i - 1 - slashes > floor && line[i - 2 - slashes] == '\\') ++slashes;
        if (slashes % 2 == 1) {
          i -= slashes;
          continue;
        }
      }
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      return i;
    }
  }
  if (end > kMaxForwardingElementBytes || quoted) return std::nullopt;
  return 0;
}

// The `for` node of one Forwarded element ("for=192.0.2.60;proto=http;
// by=203.0.113.43"; RFC 7239 section 4), unquoted into `room`. Nothing when
// the element is malformed, has no `for` or has two (section 4: a
// parameter occurs once per element), or the node is longer than `room`.
// Parameter names are case-insensitive; an unquoted value is taken up to
// ';' even with characters a token may not hold (proxies write
// for=[2001:db8::1] unquoted): the node is checked as an address after.
std::optional<std::string_view> forwarded_for(std::string_view element, std::span<char> room) {
  std::optional<std::string_view> node;
  std::size_t i = 0;
  const std::size_t n = element.size();
  for (;;) {
    while (i < n && is_ows(element[i])) ++i;
    if (i == n) break;
    const std::size_t name_start = i;
    while (i < n && is_tchar(element[i])) ++i;
    const std::string_view name = element.substr(name_start, i - name_start);
    if (name.empty() || i == n || element[i] != '=') return std::nullopt;
    ++i;
    const bool is_for = iequals(name, "for");
    if (is_for && node) return std::nullopt;
    std::size_t len = 0;
    bool fits = true;
    const auto put = [&](char c) {
      if (len < room.size()) room[len++] = c;
      else fits = false;
    };
    if (i < n && element[i] == '"') {
      ++i;
      for (;;) {
        if (i == n) return std::nullopt;  // unterminated
        char c = element[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i == n) return std::nullopt;
          c = element[i++];
        }
        if (is_for) put(c);
      }
    } else {
      while (i < n && element[i] != ';' && !is_ows(element[i])) {
        if (element[i] == '"') return std::nullopt;
        if (is_for) put(element[i]);
        ++i;
      }
    }
    if (is_for) {
      if (!fits) return std::nullopt;
      node = std::string_view(room.data(), len);
    }
    while (i < n && is_ows(element[i])) ++i;
    if (i == n) break;
    if (element[i] != ';') return std::nullopt;
    ++i;
  }
  return node;
}

// Forwarded: "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=https",
// elements right to left.
void walk_forwarded(std::string_view line, Walk& walk) {
  std::size_t end = line.size();
  while (walk.next()) {
    const auto start = forwarded_element_start(line, end);
    if (!start) {
      walk.stop();
      return;
    }
    const std::string_view element = trim_ows(line.substr(*start, end - *start));
    if (!element.empty()) {
      // An address with brackets and a port fits; anything longer is no address.
      std::array<char, INET6_ADDRSTRLEN + 8> room;
      const auto node = forwarded_for(element, room);
      walk.take(node ? node_address(*node) : std::nullopt);
    }
    if (*start == 0) return;
    end = *start - 1;
  }
}

// An entry as an error message shows it: printable, and not too long.
std::string shown(std::string_view entry) {
  std::string out;
  for (char c : entry.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (entry.size() > 64) out += "...";
  return out;
}

constexpr std::string_view kNotAnAddress = "not an IP address or CIDR range (such as 10.0.0.1, 10.0.0.0/8 or fd00::/8)";

bool separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

ip::address normalized(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

tl::expected<TrustedProxies, std::string> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  std::size_t i = 0;
  while (i < list.size()) {
    if (separator(list[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < list.size() && !separator(list[j])) ++j;
    const std::string_view entry = list.substr(i, j - i);
    i = j;
    const auto bad = [&](std::string_view why) {
      return tl::unexpected("has a bad entry '" + shown(entry) + "': " + std::string(why));
    };
    if (entry.find('%') != std::string_view::npos)
      return bad("a zone (%...) is not supported; give the address or range alone");
    const std::size_t slash = entry.find('/');
    const std::string address_part(entry.substr(0, slash));
    boost::system::error_code ec;
    const ip::address address = ip::make_address(address_part, ec);  // reads up to a NUL: refused below
    if (ec || address_part.find('\0') != std::string::npos) return bad(kNotAnAddress);
    unsigned prefix = address.is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      unsigned given = 0;
      const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), given);
      if (digits.empty() || err != std::errc{} || end != digits.data() + digits.size() || given > prefix)
        return bad("the prefix length must be a number from 0 to " + std::to_string(prefix));
      prefix = given;
      // The network types say whether bits are set past the prefix.
      const std::string text(entry);
      if (address.is_v4()) {
        const ip::network_v4 net = ip::make_network_v4(text, ec);
        if (!ec && net != net.canonical())
          return bad("address bits are set past the prefix (the range is " + net.canonical().to_string() + ")");
      } else {
        const ip::network_v6 net = ip::make_network_v6(text, ec);
        if (!ec && net != net.canonical())
          return bad("address bits are set past the prefix (the range is " + net.canonical().to_string() + ")");
      }
      if (ec) return bad(kNotAnAddress);
    }
    // An IPv4-mapped entry (::ffff:10.0.0.0/104) is the IPv4 range it maps:
    // contains() matches mapped peers as IPv4.
    if (address.is_v6() && address.to_v6().is_v4_mapped() && prefix >= 96) {
      const std::uint32_t base = ip::make_address_v4(ip::v4_mapped, address.to_v6()).to_uint();
      const std::uint32_t mask = prefix == 96 ? 0 : ~std::uint32_t{0} << (128 - prefix);
      out.v4_.push_back({base & mask, mask});
    } else if (address.is_v4()) {
      const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
      out.v4_.push_back({address.to_v4().to_uint() & mask, mask});
    } else {
      out.v6_.push_back({address.to_v6().to_bytes(), prefix});
    }
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& a) const {
  const ip::address n = normalized(a);
  if (n.is_v4()) {
    const std::uint32_t v = n.to_v4().to_uint();
    return std::any_of(v4_.begin(), v4_.end(), [v](const RangeV4& r) { return (v & r.mask) == r.base; });
  }
  const auto bytes = n.to_v6().to_bytes();
  return std::any_of(v6_.begin(), v6_.end(), [&bytes](const RangeV6& r) {
    const unsigned whole = r.prefix / 8, rest = r.prefix % 8;
    if (std::memcmp(bytes.data(), r.base.data(), whole) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (bytes[whole] & mask) == (r.base[whole] & mask);
  });
}

ip::address client_address(const ip::address& peer, const TrustedProxies& trusted, const ForwardingFields& fields) {
  Walk walk(normalized(peer), trusted);
  if (!trusted.contains(peer)) return walk.client();
  // Forwarded, the standard, when the request has it; lines right to left.
  const bool standard = !fields.forwarded.empty();
  const std::span<const std::string_view> lines = standard ? fields.forwarded : fields.x_forwarded_for;
  for (auto line = lines.rbegin(); line != lines.rend() && !walk.over(); ++line) {
    if (standard) walk_forwarded(*line, walk);
    else walk_x_forwarded_for(*line, walk);
  }
  return walk.client();
}

void address_text(const ip::address& a, std::string& out) {
  const ip::address n = normalized(a);
  if (n.is_v4()) {
    // By hand: glibc's inet_ntop goes through sprintf, some 1,800
    // instructions (callgrind), a fifth of a whole request's.
    char text[16];  // 255.255.255.255
    char* p = text;
    const auto bytes = n.to_v4().to_bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) *p++ = '.';
      const unsigned v = bytes[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    out.assign(text, static_cast<std::size_t>(p - text));
    return;
  }
  char text[INET6_ADDRSTRLEN];
  const auto bytes = n.to_v6().to_bytes();
  if (::inet_ntop(AF_INET6, bytes.data(), text, sizeof text)) out.assign(text);
  else out.clear();  // cannot happen: the buffer fits any address
}

std::string address_text(const ip::address& a) {
  std::string out;
  address_text(a, out);
  return out;
}

}  // namespace latchkey::http
