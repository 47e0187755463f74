#pragma once
// The abuse limits: one counter mechanism (store/limit_counter.hpp),
// configured per class of what is limited. Each class names what it counts
// and per what; its policy says how many are free and what follows. A class
// without a policy is off.
//
// What each counts, and why:
//  - flood          every request per IP to the unauthenticated write
//                   endpoints (/signup, /login...): a ceiling high enough
//                   for an office behind one address, against floods.
//  - signup         sign-ups per IP (accounts made in bulk).
//  - login_ip       failed logins per IP across all accounts (credential
//                   stuffing); a success never counts.
//  - login_pair     failed logins of one account from one IP (guessing one
//                   password): locks only that pair, doubling.
//  - login_account  failed logins of one account from all IPs (a
//                   distributed guess), at a far higher threshold.
//  - refresh_token  unknown refresh tokens presented per IP (guessing).
//  - admin_token    failed admin API authentications per IP.
//  - introspection_secret  failed introspection credentials per IP.
//  - client_secret  failed client authentications at the token endpoint per
//                   IP (secrets and assertions of OAuth clients).
//  - mail_ip        requests that send a message (password reset,
//                   verification) per IP: a mailbox must not be flooded
//                   from one place, nor the relay's reputation spent.
//  - mail_address   the same per address, from anywhere: counted whether
//                   or not an account has it, so it says nothing of one.
// A new guessable secret (client secrets, one-time codes, reset tokens) is a
// new class here, a default and a setting; nothing else changes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/limit_counter.hpp"

namespace latchkey::abuse {

enum class Limit : std::uint8_t {
  flood,
  signup,
  login_ip,
  login_pair,
  login_account,
  refresh_token,
  admin_token,
  introspection_secret,
  client_secret,
  mail_ip,
  mail_address,
};
inline constexpr std::size_t kLimits = 11;

// Its name in the store, metrics, logs, the audit trail and the admin API.
std::string_view name_of(Limit l);
std::optional<Limit> limit_named(std::string_view name);
constexpr std::size_t index_of(Limit l) { return static_cast<std::size_t>(l); }

// The policy of each class; nullopt: off.
using Policies = std::array<std::optional<store::LimitPolicy>, kLimits>;

// The defaults (README, Abuse).
Policies default_policies();

// What one counter counts: a class, and an account, an IP or both.
struct Key {
  Limit limit;
  std::string account;
  std::string ip;
  store::LimitKey stored() const { return {std::string(name_of(limit)), account, ip}; }
};

// The address a limit counts for a client address: an IPv4 address as it
// is; an IPv6 one as its /64 ("2001:db8:1:2::/64"), the block one host or
// home is given, so that a client cannot step past a limit by changing the
// low bits; anything else (a test's name, an empty string) as it is.
std::string address_key(std::string_view ip);

inline Key per_ip(Limit l, std::string_view ip) { return {l, {}, address_key(ip)}; }
inline Key per_account(Limit l, std::string_view account) { return {l, std::string(account), {}}; }
inline Key per_account_and_ip(Limit l, std::string_view account, std::string_view ip) {
  return {l, std::string(account), address_key(ip)};
}

}  // namespace latchkey::abuse
