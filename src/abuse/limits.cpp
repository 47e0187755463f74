#include "abuse/limits.hpp"

#include <boost/asio/ip/address.hpp>

namespace latchkey::abuse {

namespace {
constexpr std::array<std::string_view, kLimits> kNames{
    "flood", "signup", "login_ip", "login_pair", "login_account", "refresh_token", "admin_token", "introspection_secret",
    "client_secret", "mail_ip", "mail_address",
};
}  // namespace

std::string_view name_of(Limit l) { return kNames[index_of(l)]; }

std::optional<Limit> limit_named(std::string_view name) {
  for (std::size_t i = 0; i < kLimits; ++i) {
    if (kNames[i] == name) return static_cast<Limit>(i);
  }
  return std::nullopt;
}

std::string address_key(std::string_view ip) {
  if (ip.find(':') == std::string_view::npos) return std::string(ip);  // IPv4, or not an address
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address_v6(std::string(ip), ec);
  if (ec) return std::string(ip);
  if (a.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a).to_string();
  auto bytes = a.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

Policies default_policies() {
  using store::LimitPolicy;
  constexpr UnixSeconds kMinute = 60;
  // A rate: `n` a window, then refused until the window ends.
  auto rate = [](std::uint32_t n, UnixSeconds window) { return LimitPolicy{n, window, 0, 0, false}; };
  Policies p;
  // 600 a minute: an office of 500 people all signing in within the same
  // minute stays under it; one client sending 10 a second does not.
  p[index_of(Limit::flood)] = rate(600, kMinute);
  p[index_of(Limit::signup)] = rate(10, kMinute);
  // 50 failures in 10 minutes: far above an office's typos, far below a
  // credential list.
  p[index_of(Limit::login_ip)] = rate(50, 10 * kMinute);
  // 5 free, then 30 s doubling to 15 min; forgotten after 15 quiet minutes.
  p[index_of(Limit::login_pair)] = LimitPolicy{5, 15 * kMinute, 30, 15 * kMinute, true};
  // The 100th failure within 15 minutes locks the account for 15 minutes.
  p[index_of(Limit::login_account)] = LimitPolicy{99, 15 * kMinute, 15 * kMinute, 15 * kMinute, false};
  p[index_of(Limit::refresh_token)] = rate(30, kMinute);
  p[index_of(Limit::admin_token)] = rate(10, kMinute);
  p[index_of(Limit::introspection_secret)] = rate(30, kMinute);
  // A client with a wrong secret fails every time: 30 a minute is far above
  // a misconfigured deployment's retries and far below a guess's needs.
  p[index_of(Limit::client_secret)] = rate(30, kMinute);
  // A person who lost a message asks again a few times; 5 an hour per
  // address and 20 per 10 minutes per IP leave that room and no more.
  p[index_of(Limit::mail_ip)] = rate(20, 10 * kMinute);
  p[index_of(Limit::mail_address)] = rate(5, 60 * kMinute);
  return p;
}

}  // namespace latchkey::abuse
