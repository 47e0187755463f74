#pragma once
// The client's address behind reverse proxies. The TCP peer of a proxied
// request is the proxy; the proxy says whom it serves in a forwarding field
// (RFC 7239 Forwarded, or X-Forwarded-For). Anyone can write those fields,
// so they are read only when the peer is a proxy the operator trusts
// (TRUSTED_PROXIES), and walked from the right: each trusted hop appends
// the address it saw, so the right-most address that is not itself a
// trusted proxy was written by a trusted one, and is the client. What lies
// left of it came from the client and is never believed.
//
// Every limit, the session list, the audit trail and the access log use the
// address found here. Nothing on a request's path throws or allocates: the
// walk looks at most kMaxForwardingEntries entries of at most
// kMaxForwardingElementBytes bytes each, however long the fields.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <tl/expected.hpp>

namespace latchkey::http {

// A chain of proxies longer than this is not a deployment but an attack: the
// walk stops there (on the left-most address it walked, all trusted).
inline constexpr std::size_t kMaxForwardingEntries = 32;
// A longer entry (an address, a port, a Forwarded element's parameters) is
// malformed: the walk stops before it, without reading further.
inline constexpr std::size_t kMaxForwardingElementBytes = 512;

// The proxies whose forwarding fields are believed: addresses and CIDR
// ranges, IPv4 and IPv6. An IPv4-mapped IPv6 address (::ffff:10.0.0.1, as a
// dual-stack socket reports an IPv4 peer) is matched as the IPv4 address it
// maps, and a mapped entry (::ffff:10.0.0.0/104) as the IPv4 range it maps;
// other IPv6 ranges hold IPv6 addresses only (::/0 trusts no IPv4 peer).
// Empty (the default) trusts nobody.
class TrustedProxies {
 public:
  TrustedProxies() = default;

  // "127.0.0.1, 10.0.0.0/8 fd00::/8": entries separated by commas and/or
  // white space. The error names the first bad entry and says why (not an
  // address, a prefix too long, address bits set past the prefix, a zone).
  static tl::expected<TrustedProxies, std::string> parse(std::string_view list);

  bool contains(const boost::asio::ip::address& a) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }

 private:
  struct RangeV4 {
    std::uint32_t base;
    std::uint32_t mask;
  };
  struct RangeV6 {
    std::array<unsigned char, 16> base;
    unsigned prefix;
  };
  std::vector<RangeV4> v4_;
  std::vector<RangeV6> v6_;
};

// A request's forwarding fields: the values of each line, in the request's
// order (a field given on several lines is one list, the lines joined by
// commas). Only the last kMaxForwardingEntries lines of each are ever read,
// as each line holds one entry at least.
struct ForwardingFields {
  std::span<const std::string_view> forwarded;        // RFC 7239
  std::span<const std::string_view> x_forwarded_for;  // de facto: "client, proxy1, proxy2"
};

// The client of a request from `peer`, normalized (see normalized()).
//  - A peer that is not trusted is the client: its fields are ignored.
//  - Else Forwarded when the request has one (its `for=` parameters), else
//    X-Forwarded-For, walked from the right: the first address that is not
//    a trusted proxy is the client. When all are trusted, the left-most.
//  - An entry that says no address (malformed, not an IP, Forwarded's
//    `unknown`, an obfuscated `_name`, an element without `for=`) ends the
//    walk: the client is the last address walked, the nearest trusted hop,
//    which may be the peer itself. Empty list elements are skipped.
// Entries may carry a port (1.2.3.4:80, "[2001:db8::1]:4711"); it is dropped.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer, const TrustedProxies& trusted,
                                        const ForwardingFields& fields);

// IPv4-mapped IPv6 addresses as the IPv4 address they map, others unchanged.
boost::asio::ip::address normalized(const boost::asio::ip::address& a);

// The text of normalized(a): dotted IPv4, or IPv6 in its canonical form
// (RFC 5952: lowercase, zeros compressed), without a zone. Assigned to `out`,
// whose capacity is reused: nothing is allocated once it holds 45 bytes.
void address_text(const boost::asio::ip::address& a, std::string& out);
std::string address_text(const boost::asio::ip::address& a);

}  // namespace latchkey::http
