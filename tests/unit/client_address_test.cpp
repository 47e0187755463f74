// http/client_address.hpp: which proxies are trusted, and the client a
// request's forwarding fields name when its peer is one of them.
#include <gtest/gtest.h>

#include <array>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/parser.hpp>

#include "config/config.hpp"
#include "http/beast_message.hpp"
#include "http/client_address.hpp"

namespace latchkey::http {
namespace {

using boost::asio::ip::make_address;
using Lines = std::vector<std::string_view>;

TrustedProxies trust(std::string_view list) {
  auto t = TrustedProxies::parse(list);
  EXPECT_TRUE(t.has_value()) << list << ": " << t.error();
  return t.value_or(TrustedProxies{});
}

// The client of a request from `peer`, as text.
std::string client(std::string_view peer, const TrustedProxies& trusted, const Lines& x_forwarded_for,
                   const Lines& forwarded = {}) {
  const ForwardingFields fields{forwarded, x_forwarded_for};
  return address_text(client_address(make_address(std::string(peer)), trusted, fields));
}

std::string forwarded_client(std::string_view peer, const TrustedProxies& trusted, const Lines& forwarded) {
  return client(peer, trusted, {}, forwarded);
}

// ---------------------------------------------------------------------------
// The trusted set

TEST(TrustedProxies, EmptyTrustsNobody) {
  for (const char* list : {"", " ", ",", " , ,\t"}) {
    const TrustedProxies t = trust(list);
    EXPECT_TRUE(t.empty()) << list;
    EXPECT_FALSE(t.contains(make_address("127.0.0.1")));
    EXPECT_FALSE(t.contains(make_address("::1")));
  }
  EXPECT_TRUE(TrustedProxies().empty());
}

TEST(TrustedProxies, AddressesAndRangesBothFamilies) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8 192.168.4.0/22,::1\t2001:db8:1::/48");
  EXPECT_FALSE(t.empty());
  EXPECT_TRUE(t.contains(make_address("127.0.0.1")));
  EXPECT_FALSE(t.contains(make_address("127.0.0.2")));
  EXPECT_TRUE(t.contains(make_address("10.0.0.0")));
  EXPECT_TRUE(t.contains(make_address("10.255.255.255")));
  EXPECT_FALSE(t.contains(make_address("11.0.0.0")));
  EXPECT_TRUE(t.contains(make_address("192.168.7.255")));
  EXPECT_FALSE(t.contains(make_address("192.168.8.0")));
  EXPECT_FALSE(t.contains(make_address("192.168.3.255")));
  EXPECT_TRUE(t.contains(make_address("::1")));
  EXPECT_FALSE(t.contains(make_address("::2")));
  EXPECT_TRUE(t.contains(make_address("2001:db8:1:ffff::7")));
  EXPECT_FALSE(t.contains(make_address("2001:db8:2::7")));
}

TEST(TrustedProxies, OddPrefixesAndTheExtremes) {
  const TrustedProxies t = trust("2001:db8::/33 172.16.0.0/12");
  EXPECT_TRUE(t.contains(make_address("2001:db8:7fff::1")));
  EXPECT_FALSE(t.contains(make_address("2001:db8:8000::1")));
  EXPECT_TRUE(t.contains(make_address("172.31.255.255")));
  EXPECT_FALSE(t.contains(make_address("172.32.0.0")));
  const TrustedProxies everyone = trust("0.0.0.0/0, ::/0");
  EXPECT_TRUE(everyone.contains(make_address("203.0.113.9")));
  EXPECT_TRUE(everyone.contains(make_address("2001:db8::9")));
  EXPECT_TRUE(trust("203.0.113.9/32").contains(make_address("203.0.113.9")));
  EXPECT_TRUE(trust("2001:db8::9/128").contains(make_address("2001:db8::9")));
}

TEST(TrustedProxies, MappedAddressesMatchAsIPv4) {
  // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
  const TrustedProxies t = trust("10.0.0.0/8");
  EXPECT_TRUE(t.contains(make_address("::ffff:10.0.0.1")));
  EXPECT_FALSE(t.contains(make_address("::ffff:11.0.0.1")));
  // And an entry written mapped is the IPv4 address or range it maps.
  const TrustedProxies mapped = trust("::ffff:127.0.0.1 ::ffff:192.168.0.0/112");
  EXPECT_TRUE(mapped.contains(make_address("127.0.0.1")));
  EXPECT_TRUE(mapped.contains(make_address("::ffff:127.0.0.1")));
  EXPECT_TRUE(mapped.contains(make_address("192.168.200.1")));
  EXPECT_FALSE(mapped.contains(make_address("192.169.0.1")));
}

TEST(TrustedProxies, BadEntriesAreRefusedByName) {
  struct Case {
    const char* list;
    const char* entry;
    const char* why;
  };
  for (const Case& c : {
           Case{"127.0.0.1, localhost", "'localhost'", "not an IP address"},
           Case{"10.0.0.300", "'10.0.0.300'", "not an IP address"},
           Case{"10.0.0", "'10.0.0'", "not an IP address"},
           Case{"010.0.0.1", "'010.0.0.1'", "not an IP address"},
           Case{"10.0.0.0/33", "'10.0.0.0/33'", "from 0 to 32"},
           Case{"2001:db8::/129", "'2001:db8::/129'", "from 0 to 128"},
           Case{"10.0.0.0/", "'10.0.0.0/'", "prefix length"},
           Case{"10.0.0.0/x", "'10.0.0.0/x'", "prefix length"},
           Case{"10.0.0.0/-1", "'10.0.0.0/-1'", "prefix length"},
           Case{"10.0.0.0/99999999999999999999", "'10.0.0.0/99999999999999999999'", "prefix length"},
           Case{"10.0.0.0/8/8", "'10.0.0.0/8/8'", "prefix length"},
           Case{"10.0.0.1/8", "'10.0.0.1/8'", "the range is 10.0.0.0/8"},
           Case{"2001:db8::1/32", "'2001:db8::1/32'", "the range is 2001:db8::/32"},
           Case{"fe80::1%eth0", "'fe80::1%eth0'", "zone"},
           Case{"/8", "'/8'", "not an IP address"},
           Case{"[::1]", "'[::1]'", "not an IP address"},
       }) {
    const auto t = TrustedProxies::parse(c.list);
    ASSERT_FALSE(t.has_value()) << c.list;
    EXPECT_NE(t.error().find(c.entry), std::string::npos) << t.error();
    EXPECT_NE(t.error().find(c.why), std::string::npos) << t.error();
    EXPECT_EQ(t.error().find('\n'), std::string::npos) << t.error();
  }
  EXPECT_FALSE(TrustedProxies::parse(std::string_view("127.0.0.1\0junk", 14)).has_value());
  // IPv6 ranges hold IPv6 addresses only.
  EXPECT_FALSE(trust("::/0").contains(make_address("10.0.0.1")));
  EXPECT_FALSE(trust("::/0").contains(make_address("::ffff:10.0.0.1")));
  // A long or unprintable entry is shown cut and printable.
  const auto long_entry = TrustedProxies::parse(std::string(500, 'x') + "\x01");
  ASSERT_FALSE(long_entry.has_value());
  EXPECT_LT(long_entry.error().size(), 200u);
  const auto control = TrustedProxies::parse("1.2.3.4\x01");
  ASSERT_FALSE(control.has_value());
  EXPECT_NE(control.error().find("'1.2.3.4?'"), std::string::npos) << control.error();
}

TEST(TrustedProxies, TheSettingRefusesABadEntryAndKeepsAGoodList) {
  auto bad = config::load({{"TRUSTED_PROXIES", "127.0.0.1, 10.0.0.300"}}, {}, {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("TRUSTED_PROXIES"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("'10.0.0.300'"), std::string::npos) << bad.error();
  auto flag = config::load({}, {}, {"--trusted-proxies", "10.0.0.1/8"});
  ASSERT_FALSE(flag.has_value());
  EXPECT_NE(flag.error().find("--trusted-proxies"), std::string::npos) << flag.error();

  auto unset = config::load({}, {}, {}).value();
  EXPECT_EQ(unset.trusted_proxies, nullptr);
  auto empty = config::load({{"TRUSTED_PROXIES", ""}}, {}, {}).value();
  EXPECT_EQ(empty.trusted_proxies, nullptr);  // trusts nobody, as unset
  auto good = config::load({{"TRUSTED_PROXIES", "127.0.0.1 fd00::/8"}}, {}, {}).value();
  ASSERT_NE(good.trusted_proxies, nullptr);
  EXPECT_TRUE(good.trusted_proxies->contains(make_address("127.0.0.1")));
  EXPECT_TRUE(good.trusted_proxies->contains(make_address("fd12::1")));
  EXPECT_FALSE(good.trusted_proxies->contains(make_address("10.0.0.1")));
}

// ---------------------------------------------------------------------------
// Normalized text

TEST(AddressText, MappedIsDottedAndIPv6IsCanonical) {
  EXPECT_EQ(address_text(make_address("::ffff:127.0.0.1")), "127.0.0.1");
  for (const char* v4 : {"203.0.113.7", "0.0.0.0", "255.255.255.255", "10.100.9.99", "1.20.100.200"})
    EXPECT_EQ(address_text(make_address(v4)), v4);
  EXPECT_EQ(address_text(make_address("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  EXPECT_EQ(address_text(make_address("2001:db8:0:1:0:0:0:1")), "2001:db8:0:1::1");
  EXPECT_EQ(address_text(make_address("::1")), "::1");
  EXPECT_EQ(normalized(make_address("::ffff:10.1.2.3")), make_address("10.1.2.3"));
  EXPECT_EQ(normalized(make_address("2001:db8::1")), make_address("2001:db8::1"));
  std::string reused(64, 'x');
  address_text(make_address("10.0.0.1"), reused);
  EXPECT_EQ(reused, "10.0.0.1");
}

// ---------------------------------------------------------------------------
// X-Forwarded-For

TEST(ClientAddress, AnUntrustedPeersFieldsAreIgnored) {
  const TrustedProxies t = trust("10.0.0.0/8");
  EXPECT_EQ(client("203.0.113.50", t, {"198.51.100.1"}), "203.0.113.50");
  EXPECT_EQ(forwarded_client("203.0.113.50", t, {"for=198.51.100.1"}), "203.0.113.50");
  // Trusting nobody: the peer, whatever the fields say.
  EXPECT_EQ(client("127.0.0.1", TrustedProxies(), {"198.51.100.1"}), "127.0.0.1");
  // The peer is normalized too.
  EXPECT_EQ(client("::ffff:127.0.0.1", TrustedProxies(), {}), "127.0.0.1");
}

TEST(ClientAddress, ATrustedPeerWithoutFieldsIsTheClient) {
  const TrustedProxies t = trust("127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {}), "127.0.0.1");
  EXPECT_EQ(client("::ffff:127.0.0.1", t, {}), "127.0.0.1");
}

TEST(ClientAddress, TheRightMostUntrustedAddressIsTheClient) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7"}), "203.0.113.7");
  // A client's spoofed entries lie left of what the proxies wrote.
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1, 2.2.2.2, 203.0.113.7, 10.0.0.5, 10.0.0.6"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1,203.0.113.7,10.0.0.5"}), "203.0.113.7");
  EXPECT_EQ(client("10.1.1.1", t, {"  2001:DB8::7 ,\t10.0.0.5 "}), "2001:db8::7");
  // Through a dual-stack listener.
  EXPECT_EQ(client("::ffff:10.0.0.9", t, {"203.0.113.7"}), "203.0.113.7");
  // An entry written mapped is normalized, and checked as IPv4.
  EXPECT_EQ(client("127.0.0.1", t, {"::ffff:203.0.113.7"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7, ::ffff:10.0.0.5"}), "203.0.113.7");
}

TEST(ClientAddress, RepeatedLinesAreOneListInOrder) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1, 203.0.113.7", "10.0.0.5"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1", "203.0.113.7", "10.0.0.5", "10.0.0.6"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7", ""}), "203.0.113.7");  // an empty line is no entry
}

TEST(ClientAddress, AllTrustedMeansTheLeftMost) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(client("127.0.0.1", t, {"10.0.0.1, 10.0.0.2, 10.0.0.3"}), "10.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {"127.0.0.1"}), "127.0.0.1");
}

TEST(ClientAddress, PortsAndBracketsAreRead) {
  const TrustedProxies t = trust("127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7:4711"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"[2001:db8::7]:4711"}), "2001:db8::7");
  EXPECT_EQ(client("127.0.0.1", t, {"[2001:db8::7]"}), "2001:db8::7");
}

TEST(ClientAddress, AMalformedEntryEndsTheWalkAtTheNearestTrustedHop) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  // Nothing good walked: the peer.
  for (std::string_view bad :
       {"garbage", "unknown", "203.0.113.7.8", "203.0.113", "localhost", "2001:db8::7%eth0", "fe80::1%1",
        "[2001:db8::7", "[203.0.113.7]", "203.0.113.7:", "203.0.113.7:99999x", "203.0.113.7:123456",
        "203.0.113.7 extra", "\"203.0.113.7\"", "0x7f.1", "203.0.113.07", "::ffff:1.2.3", "\x01"}) {
    EXPECT_EQ(client("127.0.0.1", t, {bad}), "127.0.0.1") << bad;
  }
  // A NUL would end the text early for the address parser.
  EXPECT_EQ(client("127.0.0.1", t, {std::string_view("203.0.113.7\0junk", 16)}), "127.0.0.1");
  // Stops at the first bad entry from the right: the trusted hop right of it.
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7, bogus, 10.0.0.5"}), "10.0.0.5");
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7, 10.0.0.6, bogus, 10.0.0.5, 10.0.0.4"}), "10.0.0.5");
  // Past the client, what is left of it does not matter.
  EXPECT_EQ(client("127.0.0.1", t, {"bogus, 203.0.113.7, 10.0.0.5"}), "203.0.113.7");
  // Empty list elements are skipped.
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7, , 10.0.0.5,"}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {",,,"}), "127.0.0.1");
}

TEST(ClientAddress, LongAndManyValuedFieldsAreBounded) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  // One over-long entry: no address, read no further than the bound.
  EXPECT_EQ(client("127.0.0.1", t, {std::string(50 * 1024, '1')}), "127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {std::string(50 * 1024, ' ') + "203.0.113.7"}), "127.0.0.1");
  const std::string long_then_good = std::string(50 * 1024, 'x') + ", 203.0.113.7";
  EXPECT_EQ(client("127.0.0.1", t, {long_then_good}), "203.0.113.7");
  // Thousands of spoofed entries left of the client: the client still wins.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "198.51.100." + std::to_string(i % 250) + ", ";
  many += "203.0.113.7, 10.0.0.5";
  EXPECT_EQ(client("127.0.0.1", t, {many}), "203.0.113.7");
  // Thousands of trusted entries: the walk stops after kMaxForwardingEntries,
  // on the left-most it walked, never reaching the client on the far left.
  std::string trusted_chain = "203.0.113.7";
  for (int i = 0; i < 5000; ++i) trusted_chain += ", 10.0.0." + std::to_string(i % 250);
  EXPECT_EQ(client("127.0.0.1", t, {trusted_chain}), "10.0.0." + std::to_string((5000 - kMaxForwardingEntries) % 250));
  // The bound counts entries, whatever lines they are on.
  std::vector<std::string> lines = {"203.0.113.7"};
  for (int i = 0; i < 3000; ++i) lines.push_back("10.0.0." + std::to_string(i % 250));
  const Lines views(lines.begin(), lines.end());
  EXPECT_EQ(client("127.0.0.1", t, views), "10.0.0." + std::to_string((3000 - kMaxForwardingEntries) % 250));
  // Exactly at the bound the client is still found.
  std::string at_bound = "203.0.113.7";
  for (std::size_t i = 1; i < kMaxForwardingEntries; ++i) at_bound += ", 10.0.0.1";
  EXPECT_EQ(client("127.0.0.1", t, {at_bound}), "203.0.113.7");
  // Empty elements count too: a field of commas is cut off as quickly.
  EXPECT_EQ(client("127.0.0.1", t, {"203.0.113.7" + std::string(50 * 1024, ',')}), "127.0.0.1");
}

TEST(ClientAddress, AnEntryMayTakeUpToTheElementBound) {
  const TrustedProxies t = trust("127.0.0.1");
  const auto padded = [](std::size_t bytes) { return std::string(bytes - 11, ' ') + "203.0.113.7"; };
  const std::size_t k = kMaxForwardingElementBytes;
  // First on its line, or after a comma: the same bound.
  EXPECT_EQ(client("127.0.0.1", t, {padded(k)}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {padded(k + 1)}), "127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1," + padded(k)}), "203.0.113.7");
  EXPECT_EQ(client("127.0.0.1", t, {"1.1.1.1," + padded(k + 1)}), "127.0.0.1");
  const auto element = [](std::size_t bytes) {
    const std::string head = "for=203.0.113.7;host=\"";
    return head + std::string(bytes - head.size() - 1, 'h') + "\"";
  };
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {element(k)}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {element(k + 1)}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=1.1.1.1," + element(k)}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=1.1.1.1," + element(k + 1)}), "127.0.0.1");
}

// ---------------------------------------------------------------------------
// Forwarded (RFC 7239)

TEST(ClientAddress, ForwardedForParameters) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7"}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"203.0.113.7\""}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7:4711"}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"[2001:db8:cafe::17]:4711\""}), "2001:db8:cafe::17");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"[2001:db8:cafe::17]\""}), "2001:db8:cafe::17");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"203.0.113.7:_hidden\""}), "203.0.113.7");  // obfuscated port
  // Unquoted brackets, as some proxies write them.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=[2001:db8::17]"}), "2001:db8::17");
  // Other parameters, in any order, names in any case.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"proto=https;For=203.0.113.7;by=10.0.0.1"}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"FOR=203.0.113.7 ; PROTO=http ; host=\"a.example\""}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7;host=\"a,b;c=\\\"d\\\"\""}), "203.0.113.7");
  // Quoted-pairs inside the node.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"203.0.113\\.7\""}), "203.0.113.7");
}

TEST(ClientAddress, ForwardedElementsWalkFromTheRight) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=198.51.100.1, for=203.0.113.7, for=10.0.0.5"}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=198.51.100.1, for=203.0.113.7", "for=10.0.0.5;proto=https"}),
            "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=10.0.0.1,for=10.0.0.2"}), "10.0.0.1");  // all trusted
  // A comma inside a quoted value is not an element boundary.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7;host=\"x,for=1.1.1.1\", for=10.0.0.5"}),
            "203.0.113.7");
}

TEST(ClientAddress, ForwardedUnknownAndObfuscatedNodesStopTheWalk) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=unknown"}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=UNKNOWN"}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=_hidden"}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"_SEVKISEK\""}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7, for=unknown, for=10.0.0.5"}), "10.0.0.5");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7, for=_x, for=10.0.0.5"}), "10.0.0.5");
  // An element that names nobody says no more than `unknown`.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7, proto=https"}), "127.0.0.1");
}

TEST(ClientAddress, MalformedForwardedElementsStopTheWalk) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  for (std::string_view bad : {"for=", "for", "=203.0.113.7", "for=\"203.0.113.7", "for=203.0.113.7\"",
                               "for=203.0.113.7;for=198.51.100.1", "for=2001:db8::7%1", "for=\"[2001:db8::7\"",
                               "for=203.0.113.7 x", "f o r=203.0.113.7", "for=203.0.113.7;;", "for=\"\"",
                               "for=\"203.0.113.7\\\"", "\"", "for=1.2.3.4:port"}) {
    EXPECT_EQ(forwarded_client("127.0.0.1", t, {bad}), "127.0.0.1") << bad;
  }
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7, garbage, for=10.0.0.5"}), "10.0.0.5");
  // What the client wrote cannot unbalance what the proxy appended.
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"1.1.1.1, for=203.0.113.7"}), "203.0.113.7");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"1.1.1.1", "for=203.0.113.7"}), "203.0.113.7");
}

TEST(ClientAddress, LongAndManyValuedForwardedIsBounded) {
  const TrustedProxies t = trust("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=203.0.113.7;host=" + std::string(50 * 1024, 'h')}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {"for=\"" + std::string(50 * 1024, '"')}), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {std::string(50 * 1024, '\\') + "\""}), "127.0.0.1");
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "for=198.51.100." + std::to_string(i % 250) + ", ";
  many += "for=203.0.113.7, for=10.0.0.5";
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {many}), "203.0.113.7");
  std::string trusted_chain = "for=203.0.113.7";
  for (int i = 0; i < 5000; ++i) trusted_chain += ", for=10.0.0." + std::to_string(i % 250);
  EXPECT_EQ(forwarded_client("127.0.0.1", t, {trusted_chain}),
            "10.0.0." + std::to_string((5000 - kMaxForwardingEntries) % 250));
}

TEST(ClientAddress, ForwardedIsPreferredOverXForwardedFor) {
  const TrustedProxies t = trust("127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {"198.51.100.1"}, {"for=203.0.113.7"}), "203.0.113.7");
  // Even when it names nobody: it is the field the proxy chose.
  EXPECT_EQ(client("127.0.0.1", t, {"198.51.100.1"}, {"for=unknown"}), "127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", t, {"198.51.100.1"}, {""}), "127.0.0.1");
}

// ---------------------------------------------------------------------------
// The lines of a field, as the connection finds them in a parsed request

std::vector<std::string_view> values(std::span<const std::string_view> s) { return {s.begin(), s.end()}; }

BeastRequest parsed(std::string_view raw, std::pmr::memory_resource* arena) {
  boost::beast::http::request_parser<boost::beast::http::string_body, ArenaAlloc> parser(
      std::piecewise_construct, std::make_tuple(), std::make_tuple(ArenaAlloc(arena)));
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(ClientAddress, LastValuesSkipOtherFieldsBetweenRepeatedLines) {
  std::pmr::monotonic_buffer_resource arena;
  const BeastRequest req = parsed(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.1.1.1\r\nUser-Agent: u\r\nx-forwarded-for: 2.2.2.2\r\n"
      "Forwarded: for=3.3.3.3\r\nX-Forwarded-For: 3.3.3.3\r\nAccept: */*\r\n\r\n",
      &arena);
  std::array<std::string_view, 4> room;
  EXPECT_EQ(values(last_values(req, "X-Forwarded-For", room)),
            (std::vector<std::string_view>{"1.1.1.1", "2.2.2.2", "3.3.3.3"}));
  std::array<std::string_view, 2> small;
  EXPECT_EQ(values(last_values(req, "X-Forwarded-For", small)),
            (std::vector<std::string_view>{"2.2.2.2", "3.3.3.3"}));
  EXPECT_EQ(values(last_values(req, "Forwarded", room)),
            (std::vector<std::string_view>{"for=3.3.3.3"}));
  EXPECT_TRUE(last_values(req, "X-Real-IP", room).empty());
}

}  // namespace
}  // namespace latchkey::http
