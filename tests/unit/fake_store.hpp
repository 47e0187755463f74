#pragma once
// latchkey::testing::FakeStore: the whole store::Store in memory, beside the
// real backends as leveldb's fake Env is beside the real one, for tests of
// the code above the store (the auth jobs). Every method keeps the contract
// its interface states, as plainly as possible: std::maps under one mutex.
// fail_next() makes the next calls fail, to show how callers take a database
// that is unavailable or broken.
//
// What it does not model:
//  - durability: nothing outlives the object (export_all/import_all aside);
//  - batching and transactions spanning calls: batching() is null, so
//    after_commit runs at once with true, each call is its own unit, and a
//    failed call never undoes an earlier one;
//  - other processes: watch_revocations keeps its callbacks and never calls
//    them; install_signer is "serialised" by the mutex alone;
//  - a failure after the write (a commit whose answer is lost): an injected
//    failure happens before the call touches anything;
//  - the triggers of migration 13: no notice is ever queued (set_notices
//    only keeps the kinds) and change_password is set_password_hash;
//  - orders no contract names: ended ids come in id order, prune removes the
//    oldest events first;
//  - the database's trigger on ending a session is done by end_session: its
//    children end (sso_logout) and its noted clients' deliveries are queued,
//    but a child so ended does not end its own children in turn.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace latchkey::testing {

class FakeStore final : public store::Store {
 public:
  using Error = store::StoreError;

  FakeStore() = default;
  FakeStore(const FakeStore&) = delete;
  FakeStore& operator=(const FakeStore&) = delete;

  store::UserStore& users() override { return users_; }
  store::SessionStore& sessions() override { return sessions_; }
  store::KeyStore& keys() override { return keys_; }
  store::AuditStore& audit() override { return audit_; }
  store::AdminQueries& admin() override { return admin_; }
  store::LimitStore& limits() override { return limits_; }
  store::ClientStore& clients() override { return clients_; }
  store::AuthorizationCodeStore& codes() override { return codes_; }
  store::ConsentStore& consents() override { return consents_; }
  store::LogoutStore& logouts() override { return logouts_; }
  store::AssertionStore& assertions() override { return assertions_; }
  store::FactorStore& factors() override { return factors_; }
  store::MailStore& mail() override { return mail_; }
  store::MfaChallengeStore& mfa_challenges() override { return mfa_challenges_; }
  store::WebauthnChallengeStore& webauthn_challenges() override { return webauthn_challenges_; }
  store::Database& database() override { return database_; }

  // The next `calls` calls of any aggregate return `e` without touching the
  // data. fail_after: the same, once `skip` calls have gone through normally.
  void fail_next(Error e, int calls = 1) { fail_after(0, e, calls); }
  void fail_after(int skip, Error e, int calls = 1) {
    std::lock_guard lock(mutex_);
    skip_ = skip;
    failure_ = e;
    failures_ = calls;
  }
  // Calls made of any aggregate so far, failed ones included.
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  template <class T>
  using Result = store::Result<T>;
  template <class T>
  using By = std::map<std::string, T, std::less<>>;  // found by a string_view
  using Ids = std::vector<std::string>;

  struct Data {
    By<store::User> users;  // by id
    By<store::Session> sessions;
    By<store::StoredKey> keys;  // by kid
    By<store::Secret> secrets;  // by name
    By<store::AuditEvent> events;
    std::map<std::tuple<std::string, std::string, std::string>, store::LimitCounter> limits;
    By<store::OAuthClient> clients;  // by id
    By<UnixSeconds> kept_revocations;  // of deleted users' sessions: id -> revoked_at
    By<store::AuthorizationCode> codes;  // by code_hash
    By<std::int64_t> code_redemptions;   // by code_hash, as the SQL stores count them
    std::map<std::pair<std::string, std::string>, store::Consent> consents;  // by (user, client)
    std::map<std::pair<std::string, std::string>, std::string> session_clients;  // (session, client) -> logout URI
    std::map<std::int64_t, store::LogoutDelivery> deliveries;  // by id
    std::int64_t last_delivery_id = 0;
    By<UnixSeconds> assertions;  // key -> expires_at
    By<store::TotpFactor> totp;  // by user id
    std::map<std::pair<std::string, std::string>, std::optional<UnixSeconds>> recovery_codes;  // (user, digest) -> used_at
    By<store::MfaChallenge> challenges;  // by token_hash
    By<store::Passkey> passkeys;  // by credential_id
    std::map<std::string, std::pair<store::WebauthnChallenge, bool>, std::less<>> webauthn;  // hash -> (row, used)
    By<store::EmailToken> email_tokens;  // by token_hash
    std::map<std::int64_t, store::OutboxMail> outbox;  // by id
    std::int64_t last_mail_id = 0;
    std::vector<std::string> notices;  // kept, but no trigger here queues one
  };
  // Whether another user than `user_id` has `email` verified.
  static bool email_taken(const Data& d, std::string_view user_id, std::string_view email) {
    return std::any_of(d.users.begin(), d.users.end(), [&](const auto& kv) {
      return kv.first != user_id && kv.second.email_verified && kv.second.email == email;
    });
  }

  // Every aggregate call: `body` on the data under the one mutex, unless a failure is due.
  template <class T, class Body>
  Result<T> run(Body body) {
    std::lock_guard lock(mutex_);
    ++calls_;
    if (skip_ > 0) {
      --skip_;
    } else if (failures_ > 0) {
      --failures_;
      return tl::unexpected(failure_);
    }
    return body(data_);
  }

  static tl::unexpected<Error> fail(Error e) { return tl::unexpected(e); }
  template <class T>
  static T* row(By<T>& rows, std::string_view key) {
    auto it = rows.find(key);
    return it == rows.end() ? nullptr : &it->second;
  }
  template <class T>
  static Result<T> found(const T* r) {
    if (r) return *r;
    return fail(Error::not_found);
  }

  static Result<void> insert_user(Data& d, const store::User& u) {
    const bool key_taken = std::any_of(d.users.begin(), d.users.end(),
                                       [&](const auto& kv) { return kv.second.username_key == u.username_key; });
    if (key_taken || (u.email_verified && email_taken(d, u.id, u.email)) || !d.users.emplace(u.id, u).second)
      return fail(Error::conflict);
    return {};
  }
  // As the schema has it: unique id, refresh_hash and (non-empty) cookie_hash, and a user to belong to.
  static Result<void> insert_session(Data& d, const store::Session& s) {
    const bool hash_taken = std::any_of(d.sessions.begin(), d.sessions.end(), [&](const auto& kv) {
      return kv.second.refresh_hash == s.refresh_hash ||
             (!s.cookie_hash.empty() && kv.second.cookie_hash == s.cookie_hash);
    });
    if (hash_taken || !d.users.contains(s.user_id) || !d.sessions.emplace(s.id, s).second)
      return fail(Error::conflict);
    return {};
  }
  static Result<void> insert_key(Data& d, const store::StoredKey& k) {
    if (!d.keys.emplace(k.kid, k).second) return fail(Error::conflict);
    return {};
  }
  // Retires at `at` the keys not retired by then for which `which(alg)` holds.
  template <class Which>
  static void retire_keys(Data& d, UnixSeconds at, Which which) {
    for (auto& [kid, k] : d.keys) {
      if ((!k.retired_at || *k.retired_at > at) && which(k.alg)) k.retired_at = at;
    }
  }
  // Newest not_before first (then newest created_at, then kid).
  static std::vector<store::StoredKey> sorted_keys(const Data& d) {
    std::vector<store::StoredKey> out;
    for (const auto& [kid, k] : d.keys) out.push_back(k);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(b.not_before, b.created_at) < std::tie(a.not_before, a.created_at);
    });
    return out;
  }
  static bool live(const store::Session& s, UnixSeconds now, UnixSeconds idle_since) {
    return !s.revoked_at && s.expires_at > now && s.last_used_at >= idle_since;
  }
  // Ends a live session, and does what the database's trigger does then:
  // ends its live children and queues its noted clients' logout deliveries.
  static void end_session(Data& d, store::Session& s, UnixSeconds now, store::EndReason reason) {
    s.revoked_at = now;
    s.end_reason = std::string(store::reason_name(reason));
    session_ended(d, s, now);
  }
  // The trigger's part. A statement ending several sessions at once ends
  // them all before (so a child among them keeps that statement's reason).
  static void session_ended(Data& d, const store::Session& s, UnixSeconds now) {
    for (auto& [id, child] : d.sessions) {
      if (child.parent_id.empty() || child.parent_id != s.id || child.revoked_at) continue;
      child.revoked_at = now;
      child.end_reason = std::string(store::reason_name(store::EndReason::parent_ended));
    }
    for (const auto& [key, uri] : d.session_clients) {
      if (key.first != s.id || uri.empty()) continue;
      store::LogoutDelivery x;
      x.id = ++d.last_delivery_id;
      x.client_id = key.second;
      x.logout_uri = uri;
      x.user_id = s.user_id;
      x.session_id = s.id;
      x.created_at = now;
      x.next_attempt_at = now;
      d.deliveries.emplace(x.id, x);
    }
  }
  // Ends the user's sessions not yet ended, but `keep` (and, if `unexpired_only`, the expired ones).
  static Ids end_all(Data& d, std::string_view user_id, std::optional<std::string_view> keep, UnixSeconds now,
                     store::EndReason reason, bool unexpired_only) {
    Ids ended;
    for (auto& [id, s] : d.sessions) {
      if (s.user_id != user_id || s.revoked_at || (keep && id == *keep)) continue;
      if (unexpired_only && s.expires_at <= now) continue;
      s.revoked_at = now;
      s.end_reason = std::string(store::reason_name(reason));
      ended.push_back(id);
    }
    for (const auto& id : ended) session_ended(d, d.sessions.at(id), now);
    return ended;
  }

  // What each aggregate holds: the store it is part of.
  template <class Interface>
  class Part : public Interface {
   public:
    explicit Part(FakeStore& s) : s_(s) {}

   protected:
    FakeStore& s_;
  };

  class Users final : public Part<store::UserStore> {
   public:
    using Part::Part;
    Result<void> create(const store::User& user) override {
      return s_.run<void>([&](Data& d) { return insert_user(d, user); });
    }
    Result<store::User> find_by_name(std::string_view username_key) override {
      return s_.run<store::User>([&](Data& d) {
        auto it = std::find_if(d.users.begin(), d.users.end(),
                               [&](const auto& kv) { return kv.second.username_key == username_key; });
        return found(it == d.users.end() ? nullptr : &it->second);
      });
    }
    Result<store::User> find_by_id(std::string_view id) override {
      return s_.run<store::User>([&](Data& d) { return found(row(d.users, id)); });
    }
    Result<void> set_password_hash(std::string_view user_id, std::string_view hash) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto* u = row(d.users, user_id);
        if (!u) return fail(Error::not_found);
        u->password_hash = std::string(hash);
        return {};
      });
    }
    Result<void> change_password(std::string_view user_id, std::string_view hash, UnixSeconds) override {
      return set_password_hash(user_id, hash);
    }
    Result<store::User> find_by_email(std::string_view email) override {
      return s_.run<store::User>([&](Data& d) {
        auto it = std::find_if(d.users.begin(), d.users.end(),
                               [&](const auto& kv) { return kv.second.email_verified && kv.second.email == email; });
        return found(it == d.users.end() ? nullptr : &it->second);
      });
    }
    Result<void> set_email(std::string_view user_id, std::string_view email, bool verified) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto* u = row(d.users, user_id);
        if (!u) return fail(Error::not_found);
        if (verified && email_taken(d, user_id, email)) return fail(Error::conflict);
        u->email = std::string(email);
        u->email_verified = verified;
        return {};
      });
    }
  };

  class Mail final : public Part<store::MailStore> {
   public:
    using Part::Part;
    Result<void> issue_token(const store::EmailToken& t, const store::OutboxMail& m) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(t.user_id)) return fail(Error::not_found);
        if (d.email_tokens.contains(t.token_hash)) return fail(Error::conflict);
        std::erase_if(d.email_tokens, [&](const auto& kv) {
          return kv.second.user_id == t.user_id && kv.second.purpose == t.purpose && !kv.second.used_at;
        });
        d.email_tokens.emplace(t.token_hash, t);
        store::OutboxMail row = m;
        row.id = ++d.last_mail_id;
        row.message_key = "fake" + std::to_string(row.id);
        row.attempts = 0;
        row.last_error.clear();
        row.sent_at.reset();
        row.gave_up_at.reset();
        d.outbox.emplace(row.id, row);
        return {};
      });
    }
    Result<store::EmailToken> find_token(std::string_view hash, std::string_view purpose, UnixSeconds now) override {
      return s_.run<store::EmailToken>([&](Data& d) { return found(usable(d, hash, purpose, now)); });
    }
    Result<store::EmailToken> redeem_token(std::string_view hash, std::string_view purpose, UnixSeconds now) override {
      return s_.run<store::EmailToken>([&](Data& d) -> Result<store::EmailToken> {
        auto* t = usable(d, hash, purpose, now);
        if (!t) return fail(Error::not_found);
        t->used_at = now;
        return *t;
      });
    }
    Result<store::User> verify_email(std::string_view hash, UnixSeconds now) override {
      return s_.run<store::User>([&](Data& d) -> Result<store::User> {
        auto* t = usable(d, hash, store::kVerifyEmail, now);
        if (!t) return fail(Error::not_found);
        auto* u = row(d.users, t->user_id);
        if (!u) return fail(Error::not_found);
        if (email_taken(d, u->id, t->address)) return fail(Error::conflict);
        t->used_at = now;
        u->email = t->address;
        u->email_verified = true;
        return *u;
      });
    }
    Result<std::size_t> prune_tokens(UnixSeconds before) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        return std::erase_if(d.email_tokens, [&](const auto& kv) { return kv.second.expires_at < before; });
      });
    }
    Result<void> set_notices(const std::vector<std::string>& kinds) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        d.notices = kinds;
        return {};
      });
    }
    Result<std::vector<store::OutboxMail>> due(UnixSeconds now, std::size_t limit) override {
      return s_.run<std::vector<store::OutboxMail>>([&](Data& d) -> Result<std::vector<store::OutboxMail>> {
        std::vector<store::OutboxMail> out;
        for (const auto& [id, m] : d.outbox) {
          if (out.size() >= limit) break;
          if (!m.sent_at && !m.gave_up_at && m.next_attempt_at <= now) out.push_back(m);
        }
        return out;
      });
    }
    Result<void> sent(std::int64_t id, UnixSeconds now) override {
      return update(id, [&](store::OutboxMail& m) {
        m.sent_at = now;
        m.detail = "{}";
        m.last_error.clear();
      });
    }
    Result<void> failed(std::int64_t id, UnixSeconds next, std::string_view error) override {
      return update(id, [&](store::OutboxMail& m) {
        m.next_attempt_at = next;
        m.last_error = std::string(error);
      });
    }
    Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) override {
      return update(id, [&](store::OutboxMail& m) {
        m.gave_up_at = now;
        m.last_error = std::string(error);
      });
    }
    Result<void> retry(std::int64_t id, UnixSeconds now) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto it = d.outbox.find(id);
        if (it == d.outbox.end() || !it->second.gave_up_at) return fail(Error::not_found);
        it->second.gave_up_at.reset();
        it->second.attempts = 0;
        it->second.next_attempt_at = now;
        return {};
      });
    }
    Result<std::vector<store::OutboxMail>> list(std::size_t limit) override {
      return s_.run<std::vector<store::OutboxMail>>([&](Data& d) -> Result<std::vector<store::OutboxMail>> {
        std::vector<store::OutboxMail> out;
        for (auto it = d.outbox.rbegin(); it != d.outbox.rend() && out.size() < limit; ++it) out.push_back(it->second);
        return out;
      });
    }
    Result<std::int64_t> pending() override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return std::count_if(d.outbox.begin(), d.outbox.end(),
                             [](const auto& kv) { return !kv.second.sent_at && !kv.second.gave_up_at; });
      });
    }
    Result<std::size_t> prune(UnixSeconds before) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        return std::erase_if(d.outbox, [&](const auto& kv) {
          return (kv.second.sent_at && *kv.second.sent_at < before) ||
                 (kv.second.gave_up_at && *kv.second.gave_up_at < before);
        });
      });
    }

   private:
    static store::EmailToken* usable(Data& d, std::string_view hash, std::string_view purpose, UnixSeconds now) {
      auto* t = row(d.email_tokens, hash);
      return t && t->purpose == purpose && !t->used_at && t->expires_at > now ? t : nullptr;
    }
    template <class F>
    Result<void> update(std::int64_t id, F f) {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto it = d.outbox.find(id);
        if (it == d.outbox.end()) return fail(Error::not_found);
        ++it->second.attempts;
        f(it->second);
        return {};
      });
    }
  };

  class Sessions final : public Part<store::SessionStore> {
   public:
    using Part::Part;
    Result<void> create(const store::Session& session) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        const store::User* u = row(d.users, session.user_id);
        if (!u || u->disabled_at) return fail(Error::not_found);
        if (!session.parent_id.empty()) {
          const store::Session* parent = row(d.sessions, session.parent_id);
          if (!parent || parent->revoked_at) return fail(Error::not_found);
        }
        store::Session fresh = session;  // a new session: never rotated, not ended
        fresh.revoked_at.reset();
        fresh.end_reason.clear();
        fresh.generation = 0;
        fresh.prev_refresh_hash.clear();
        fresh.rotated_at.reset();
        return insert_session(d, fresh);
      });
    }
    Result<store::Session> find(std::string_view session_id) override {
      return s_.run<store::Session>([&](Data& d) { return found(row(d.sessions, session_id)); });
    }
    Result<WithUser> find_with_user(std::string_view session_id) override {
      return s_.run<WithUser>([&](Data& d) -> Result<WithUser> {
        const store::Session* s = row(d.sessions, session_id);
        if (!s) return fail(Error::not_found);
        const store::User* u = row(d.users, s->user_id);
        return WithUser{*s, u ? std::optional(*u) : std::nullopt};
      });
    }
    Result<WithUser> find_by_cookie(std::string_view cookie_hash) override {
      return s_.run<WithUser>([&](Data& d) -> Result<WithUser> {
        if (cookie_hash.empty()) return fail(Error::not_found);
        for (const auto& [id, s] : d.sessions) {
          if (s.cookie_hash != cookie_hash) continue;
          const store::User* u = row(d.users, s.user_id);
          return WithUser{s, u ? std::optional(*u) : std::nullopt};
        }
        return fail(Error::not_found);
      });
    }
    Result<void> reauthenticate(std::string_view session_id, UnixSeconds auth_time, std::string_view amr) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        store::Session* s = row(d.sessions, session_id);
        if (!s || s->revoked_at) return fail(Error::not_found);
        s->auth_time = auth_time;
        s->amr = std::string(amr);
        return {};
      });
    }
    // The compare-and-set: generation, digest and "not ended" must all still hold.
    Result<bool> rotate_refresh(const store::Rotation& r) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::Session* s = row(d.sessions, r.session_id);
        if (!s || s->generation != r.from || s->refresh_hash != r.old_hash || s->revoked_at) return false;
        s->prev_refresh_hash = std::exchange(s->refresh_hash, std::string(r.new_hash));
        s->generation = r.from + 1;
        s->rotated_at = r.now;
        s->last_used_at = r.now;
        return true;
      });
    }
    Result<void> touch(std::span<const store::Usage> used) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        for (const store::Usage& u : used) {
          if (auto* s = row(d.sessions, u.session_id)) s->last_used_at = std::max(s->last_used_at, u.used_at);
        }
        return {};
      });
    }
    Result<void> revoke(std::string_view session_id, std::string_view user_id, UnixSeconds now,
                        store::EndReason reason) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        store::Session* s = row(d.sessions, session_id);
        if (!s || s->user_id != user_id || s->revoked_at || s->expires_at <= now) return fail(Error::not_found);
        end_session(d, *s, now, reason);
        return {};
      });
    }
    Result<Ids> revoke_all_of(std::string_view user_id, std::optional<std::string_view> keep, UnixSeconds now,
                              store::EndReason reason) override {
      return s_.run<Ids>([&](Data& d) -> Result<Ids> { return end_all(d, user_id, keep, now, reason, true); });
    }
    Result<std::vector<store::Session>> list_live(std::string_view user_id, UnixSeconds now,
                                                  UnixSeconds idle_since) override {
      return s_.run<std::vector<store::Session>>([&](Data& d) -> Result<std::vector<store::Session>> {
        std::vector<store::Session> out;
        for (const auto& [id, s] : d.sessions) {
          if (s.user_id == user_id && live(s, now, idle_since)) out.push_back(s);
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
          return std::tie(b.created_at, b.created_seq) < std::tie(a.created_at, a.created_seq);
        });
        return out;
      });
    }
    Result<std::int64_t> count_live(UnixSeconds now, UnixSeconds idle_since) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return std::count_if(d.sessions.begin(), d.sessions.end(),
                             [&](const auto& kv) { return live(kv.second, now, idle_since); });
      });
    }
    Result<std::vector<store::RevokedSession>> list_revoked_since(UnixSeconds since) override {
      return s_.run<std::vector<store::RevokedSession>>([&](Data& d) -> Result<std::vector<store::RevokedSession>> {
        std::vector<store::RevokedSession> out;
        for (const auto& [id, s] : d.sessions) {
          if (s.revoked_at && *s.revoked_at >= since) out.push_back({id, *s.revoked_at});
        }
        for (const auto& [id, at] : d.kept_revocations) {
          if (at >= since) out.push_back({id, at});
        }
        return out;
      });
    }
    void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) override {
      std::lock_guard lock(s_.mutex_);
      s_.on_revoked_ = std::move(on_revoked);
      s_.on_resync_ = std::move(on_resync);
    }
    void stop_watching() override {
      std::lock_guard lock(s_.mutex_);
      s_.on_revoked_ = nullptr;
      s_.on_resync_ = nullptr;
    }
  };

  class Clients final : public Part<store::ClientStore> {
   public:
    using Part::Part;
    Result<void> add(const store::OAuthClient& c) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.clients.emplace(c.id, c).second) return fail(Error::conflict);
        return {};
      });
    }
    Result<store::OAuthClient> find(std::string_view id) override {
      return s_.run<store::OAuthClient>([&](Data& d) -> Result<store::OAuthClient> {
        auto it = d.clients.find(id);
        if (it == d.clients.end()) return fail(Error::not_found);
        return it->second;
      });
    }
    Result<std::vector<store::OAuthClient>> list(std::string_view after, std::size_t limit) override {
      return s_.run<std::vector<store::OAuthClient>>([&](Data& d) -> Result<std::vector<store::OAuthClient>> {
        std::vector<store::OAuthClient> out;
        for (auto it = d.clients.upper_bound(after); it != d.clients.end() && out.size() < limit; ++it)
          out.push_back(it->second);
        return out;
      });
    }
    Result<void> update(const store::OAuthClient& c) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto it = d.clients.find(c.id);
        if (it == d.clients.end()) return fail(Error::not_found);
        const UnixSeconds created = it->second.created_at;
        it->second = c;
        it->second.created_at = created;
        return {};
      });
    }
    Result<void> remove(std::string_view id) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto it = d.clients.find(id);
        if (it == d.clients.end()) return fail(Error::not_found);
        d.clients.erase(it);
        std::erase_if(d.consents, [&](const auto& kv) { return kv.first.second == id; });
        return {};
      });
    }
  };

  class Codes final : public Part<store::AuthorizationCodeStore> {
   public:
    using Part::Part;
    Result<void> add(const store::AuthorizationCode& code) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.codes.emplace(code.code_hash, code).second) return fail(Error::conflict);
        d.code_redemptions[code.code_hash] = code.used_at ? 1 : 0;  // one stored as used counts once
        return {};
      });
    }
    Result<store::AuthorizationCode> redeem(std::string_view code_hash, UnixSeconds now) override {
      return s_.run<store::AuthorizationCode>([&](Data& d) -> Result<store::AuthorizationCode> {
        store::AuthorizationCode* c = row(d.codes, code_hash);
        if (!c) return fail(Error::not_found);
        store::AuthorizationCode before = *c;
        if (!c->used_at) c->used_at = now;
        ++d.code_redemptions[std::string(code_hash)];
        return before;
      });
    }
    Result<bool> set_issued(std::string_view code_hash, std::string_view session_id) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::AuthorizationCode* c = row(d.codes, code_hash);
        if (!c) return fail(Error::not_found);
        c->issued_session_id = std::string(session_id);
        return d.code_redemptions[std::string(code_hash)] > 1;
      });
    }
    Result<std::int64_t> prune(UnixSeconds before) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return static_cast<std::int64_t>(
            std::erase_if(d.codes, [&](const auto& kv) { return kv.second.expires_at < before; }));
      });
    }
  };

  class Consents final : public Part<store::ConsentStore> {
   public:
    using Part::Part;
    Result<void> grant(const store::Consent& c) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(c.user_id) || !d.clients.contains(c.client_id)) return fail(Error::not_found);
        d.consents[std::pair(c.user_id, c.client_id)] = c;
        return {};
      });
    }
    Result<store::Consent> find(std::string_view user_id, std::string_view client_id) override {
      return s_.run<store::Consent>([&](Data& d) -> Result<store::Consent> {
        auto it = d.consents.find(std::pair(std::string(user_id), std::string(client_id)));
        if (it == d.consents.end()) return fail(Error::not_found);
        return it->second;
      });
    }
    Result<std::vector<store::Consent>> list_for_user(std::string_view user_id) override {
      return s_.run<std::vector<store::Consent>>([&](Data& d) -> Result<std::vector<store::Consent>> {
        std::vector<store::Consent> out;
        for (const auto& [key, c] : d.consents) {
          if (key.first == user_id) out.push_back(c);
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.granted_at > b.granted_at; });
        return out;
      });
    }
    Result<void> revoke(std::string_view user_id, std::string_view client_id) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (d.consents.erase(std::pair(std::string(user_id), std::string(client_id))) == 0)
          return fail(Error::not_found);
        return {};
      });
    }
  };

  class Factors final : public Part<store::FactorStore> {
   public:
    using Part::Part;
    Result<void> put_pending_totp(const store::TotpFactor& f) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(f.user_id)) return fail(Error::not_found);
        if (auto* t = row(d.totp, f.user_id); t && t->confirmed_at) return fail(Error::conflict);
        d.totp[f.user_id] = store::TotpFactor{f.user_id, f.sealed_secret, f.created_at, std::nullopt, 0};
        return {};
      });
    }
    Result<store::TotpFactor> find_totp(std::string_view user_id) override {
      return s_.run<store::TotpFactor>([&](Data& d) { return found(row(d.totp, user_id)); });
    }
    Result<bool> confirm_totp(std::string_view user_id, std::int64_t step, UnixSeconds now) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::TotpFactor* t = row(d.totp, user_id);
        if (!t) return fail(Error::not_found);
        if (t->confirmed_at || t->last_step >= step) return false;
        t->confirmed_at = now;
        t->last_step = step;
        return true;
      });
    }
    Result<bool> use_totp_step(std::string_view user_id, std::int64_t step) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::TotpFactor* t = row(d.totp, user_id);
        if (!t || !t->confirmed_at || t->last_step >= step) return false;
        t->last_step = step;
        return true;
      });
    }
    Result<void> remove_totp(std::string_view user_id) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (d.totp.erase(std::string(user_id)) == 0) return fail(Error::not_found);
        return {};
      });
    }
    Result<void> replace_recovery_codes(std::string_view user_id, const std::vector<std::string>& digests,
                                        UnixSeconds) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(user_id)) return fail(Error::not_found);
        std::erase_if(d.recovery_codes, [&](const auto& kv) { return kv.first.first == user_id; });
        for (const auto& digest : digests) d.recovery_codes[std::pair(std::string(user_id), digest)] = std::nullopt;
        return {};
      });
    }
    Result<bool> use_recovery_code(std::string_view user_id, std::string_view digest, UnixSeconds now) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        auto it = d.recovery_codes.find(std::pair(std::string(user_id), std::string(digest)));
        if (it == d.recovery_codes.end() || it->second) return false;
        it->second = now;
        return true;
      });
    }
    Result<std::int64_t> unused_recovery_codes(std::string_view user_id) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return static_cast<std::int64_t>(std::count_if(d.recovery_codes.begin(), d.recovery_codes.end(), [&](const auto& kv) {
          return kv.first.first == user_id && !kv.second;
        }));
      });
    }
    Result<std::int64_t> remove_all(std::string_view user_id) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        std::int64_t removed = d.totp.erase(std::string(user_id)) ? 1 : 0;
        if (std::erase_if(d.recovery_codes, [&](const auto& kv) { return kv.first.first == user_id; })) ++removed;
        removed += static_cast<std::int64_t>(
            std::erase_if(d.passkeys, [&](const auto& kv) { return kv.second.user_id == user_id; }));
        return removed;
      });
    }
    Result<void> add_passkey(const store::Passkey& p) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(p.user_id)) return fail(Error::not_found);
        if (!d.passkeys.emplace(p.credential_id, p).second) return fail(Error::conflict);
        return {};
      });
    }
    Result<store::Passkey> find_passkey(std::string_view credential_id) override {
      return s_.run<store::Passkey>([&](Data& d) { return found(row(d.passkeys, credential_id)); });
    }
    Result<std::vector<store::Passkey>> list_passkeys(std::string_view user_id) override {
      return s_.run<std::vector<store::Passkey>>([&](Data& d) -> Result<std::vector<store::Passkey>> {
        std::vector<store::Passkey> out;
        for (const auto& kv : d.passkeys)
          if (kv.second.user_id == user_id) out.push_back(kv.second);
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
        return out;
      });
    }
    Result<bool> use_passkey(std::string_view credential_id, std::int64_t sign_count, UnixSeconds now) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::Passkey* p = row(d.passkeys, credential_id);
        if (!p || !((p->sign_count == 0 && sign_count == 0) || sign_count > p->sign_count)) return false;
        p->sign_count = sign_count;
        p->last_used_at = now;
        return true;
      });
    }
    Result<void> rename_passkey(std::string_view user_id, std::string_view credential_id,
                                std::string_view name) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        store::Passkey* p = row(d.passkeys, credential_id);
        if (!p || p->user_id != user_id) return fail(Error::not_found);
        p->name = std::string(name);
        return {};
      });
    }
    Result<void> remove_passkey(std::string_view user_id, std::string_view credential_id) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        store::Passkey* p = row(d.passkeys, credential_id);
        if (!p || p->user_id != user_id) return fail(Error::not_found);
        d.passkeys.erase(std::string(credential_id));
        return {};
      });
    }
    Result<std::int64_t> count_passkeys(std::string_view user_id) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return static_cast<std::int64_t>(
            std::count_if(d.passkeys.begin(), d.passkeys.end(), [&](const auto& kv) { return kv.second.user_id == user_id; }));
      });
    }
  };

  class MfaChallenges final : public Part<store::MfaChallengeStore> {
   public:
    using Part::Part;
    Result<void> create(const store::MfaChallenge& c) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.contains(c.user_id)) return fail(Error::not_found);
        if (!d.challenges.emplace(c.token_hash, c).second) return fail(Error::conflict);
        return {};
      });
    }
    Result<store::MfaChallenge> find(std::string_view token_hash) override {
      return s_.run<store::MfaChallenge>([&](Data& d) { return found(row(d.challenges, token_hash)); });
    }
    Result<std::int64_t> count_failure(std::string_view token_hash) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        store::MfaChallenge* c = row(d.challenges, token_hash);
        if (!c || c->used_at) return fail(Error::not_found);
        return ++c->failures;
      });
    }
    Result<bool> consume(std::string_view token_hash, UnixSeconds now, std::int64_t max_failures) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        store::MfaChallenge* c = row(d.challenges, token_hash);
        if (!c || c->used_at || c->expires_at <= now || c->failures >= max_failures) return false;
        c->used_at = now;
        return true;
      });
    }
    Result<std::size_t> prune(UnixSeconds before) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        return std::erase_if(d.challenges, [&](const auto& kv) { return kv.second.expires_at < before; });
      });
    }
  };

  class WebauthnChallenges final : public Part<store::WebauthnChallengeStore> {
   public:
    using Part::Part;
    Result<void> create(const store::WebauthnChallenge& c) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.webauthn.emplace(c.challenge_hash, std::pair(c, false)).second) return fail(Error::conflict);
        return {};
      });
    }
    Result<store::WebauthnChallenge> take(std::string_view hash, std::string_view purpose, UnixSeconds now) override {
      return s_.run<store::WebauthnChallenge>([&](Data& d) -> Result<store::WebauthnChallenge> {
        auto it = d.webauthn.find(hash);
        if (it == d.webauthn.end() || it->second.second || it->second.first.purpose != purpose ||
            it->second.first.expires_at <= now)
          return fail(Error::not_found);
        it->second.second = true;
        return it->second.first;
      });
    }
    Result<std::size_t> prune(UnixSeconds before) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        return std::erase_if(d.webauthn, [&](const auto& kv) { return kv.second.first.expires_at < before; });
      });
    }
  };

  class Logouts final : public Part<store::LogoutStore> {
   public:
    using Part::Part;
    Result<void> note_client(std::string_view session_id, std::string_view client_id,
                             std::string_view logout_uri) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.sessions.contains(session_id)) return fail(Error::not_found);
        d.session_clients[std::pair(std::string(session_id), std::string(client_id))] = std::string(logout_uri);
        return {};
      });
    }
    Result<std::vector<store::LogoutDelivery>> due(UnixSeconds now, std::size_t limit) override {
      return s_.run<std::vector<store::LogoutDelivery>>([&](Data& d) -> Result<std::vector<store::LogoutDelivery>> {
        std::vector<store::LogoutDelivery> out;
        for (const auto& [id, x] : d.deliveries) {
          if (out.size() >= limit) break;
          if (!x.delivered_at && !x.gave_up_at && x.next_attempt_at <= now) out.push_back(x);
        }
        return out;
      });
    }
    Result<void> delivered(std::int64_t id, UnixSeconds now) override {
      return update(id, [&](store::LogoutDelivery& x) {
        if (!x.delivered_at) x.delivered_at = now;
      });
    }
    Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) override {
      return update(id, [&](store::LogoutDelivery& x) {
        x.next_attempt_at = next_attempt_at;
        x.last_error = std::string(error);
      });
    }
    Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) override {
      return update(id, [&](store::LogoutDelivery& x) {
        if (!x.gave_up_at) x.gave_up_at = now;
        x.last_error = std::string(error);
      });
    }
    Result<std::vector<store::LogoutDelivery>> list(std::size_t limit) override {
      return s_.run<std::vector<store::LogoutDelivery>>([&](Data& d) -> Result<std::vector<store::LogoutDelivery>> {
        std::vector<store::LogoutDelivery> out;
        for (auto it = d.deliveries.rbegin(); it != d.deliveries.rend() && out.size() < limit; ++it)
          out.push_back(it->second);
        return out;
      });
    }
    Result<std::int64_t> prune(UnixSeconds before) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return static_cast<std::int64_t>(std::erase_if(d.deliveries, [&](const auto& kv) {
          const store::LogoutDelivery& x = kv.second;
          return (x.delivered_at && *x.delivered_at < before) || (x.gave_up_at && *x.gave_up_at < before);
        }));
      });
    }

   private:
    // One more attempt reported on delivery `id`, changed by `f`.
    template <class F>
    Result<void> update(std::int64_t id, F f) {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto it = d.deliveries.find(id);
        if (it == d.deliveries.end()) return fail(Error::not_found);
        ++it->second.attempts;
        f(it->second);
        return {};
      });
    }
  };

  class Assertions final : public Part<store::AssertionStore> {
   public:
    using Part::Part;
    Result<bool> first_use(std::string_view key, UnixSeconds expires_at) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> { return d.assertions.emplace(key, expires_at).second; });
    }
    Result<std::int64_t> prune(UnixSeconds before) override {
      return s_.run<std::int64_t>([&](Data& d) -> Result<std::int64_t> {
        return static_cast<std::int64_t>(
            std::erase_if(d.assertions, [&](const auto& kv) { return kv.second < before; }));
      });
    }
  };

  class Limits final : public Part<store::LimitStore> {
   public:
    using Part::Part;
    Result<std::vector<std::optional<store::LimitCounter>>> hit(std::span<const store::LimitEvent> events,
                                                                 UnixSeconds now) override {
      return s_.run<std::vector<std::optional<store::LimitCounter>>>(
          [&](Data& d) -> Result<std::vector<std::optional<store::LimitCounter>>> {
            std::vector<std::optional<store::LimitCounter>> out;
            for (const auto& e : events) out.push_back(apply(d, e, now));
            return out;
          });
    }
    Result<Admission> admit(std::span<const store::LimitEvent> bumps, std::span<const store::LimitKey> keys,
                            UnixSeconds now) override {
      return s_.run<Admission>([&](Data& d) -> Result<Admission> {
        Admission out;
        for (const auto& k : keys) {
          auto it = d.limits.find(key_of(k));
          out.read.push_back(it == d.limits.end() ? store::LimitCounter{} : it->second);
        }
        for (const auto& b : bumps) out.bumped.push_back(apply(d, b, now));
        return out;
      });
    }
    Result<std::vector<store::LimitRow>> locked(const store::LimitFilter& f, UnixSeconds now) override {
      return s_.run<std::vector<store::LimitRow>>([&](Data& d) -> Result<std::vector<store::LimitRow>> {
        std::vector<store::LimitRow> out;
        for (const auto& [k, c] : d.limits) {
          const auto& [limit, account, ip] = k;
          if (c.locked(now) && matches(f, limit, account, ip)) out.push_back({{limit, account, ip}, c});
        }
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.counter.locked_until > b.counter.locked_until; });
        return out;
      });
    }
    Result<std::size_t> clear(const store::LimitFilter& f) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        if (f.account.empty() && f.ip.empty()) return 0;
        return std::erase_if(d.limits, [&](const auto& e) {
          const auto& [limit, account, ip] = e.first;
          return matches(f, limit, account, ip);
        });
      });
    }
    Result<std::size_t> prune(UnixSeconds before, UnixSeconds now) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        return std::erase_if(d.limits, [&](const auto& e) {
          return e.second.locked_until <= now && e.second.window_start < before;
        });
      });
    }

   private:
    static std::tuple<std::string, std::string, std::string> key_of(const store::LimitKey& k) {
      return {k.limit, k.account, k.ip};
    }
    static bool matches(const store::LimitFilter& f, const std::string& limit, const std::string& account,
                        const std::string& ip) {
      return (f.account.empty() || f.account == account) && (f.ip.empty() || f.ip == ip) &&
             (f.limit.empty() || f.limit == limit);
    }
    static std::optional<store::LimitCounter> apply(Data& d, const store::LimitEvent& e, UnixSeconds now) {
      store::LimitCounter& c = d.limits[key_of(e.key)];
      if (!store::hit(c, e.policy, now)) return std::nullopt;
      return c;
    }
  };

  class Keys final : public Part<store::KeyStore> {
   public:
    using Part::Part;
    Result<std::string> ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) override {
      return s_.run<std::string>([&](Data& d) -> Result<std::string> {
        store::Secret fresh{std::string(name), std::string(value), now};
        return d.secrets.emplace(fresh.name, fresh).first->second.value;  // the first one stays
      });
    }
    Result<std::vector<store::StoredKey>> list() override {
      return s_.run<std::vector<store::StoredKey>>(
          [&](Data& d) -> Result<std::vector<store::StoredKey>> { return sorted_keys(d); });
    }
    Result<void> add(const store::StoredKey& key) override {
      return s_.run<void>([&](Data& d) { return insert_key(d, key); });
    }
    Result<void> rotate(const store::StoredKey& key) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (d.keys.contains(key.kid)) return fail(Error::conflict);
        retire_keys(d, key.not_before, [&](const std::string& alg) { return alg == key.alg; });
        return insert_key(d, key);
      });
    }
    Result<bool> install_signer(const store::StoredKey& key, UnixSeconds now, std::string_view keep_alg) override {
      return s_.run<bool>([&](Data& d) -> Result<bool> {
        // Checked first: a failed call changes nothing.
        const bool signs = std::any_of(d.keys.begin(), d.keys.end(), [&](const auto& entry) {
          const store::StoredKey& k = entry.second;
          return k.alg == key.alg && k.not_before <= now && (!k.retired_at || *k.retired_at > now);
        });
        if (!signs && d.keys.contains(key.kid)) return fail(Error::conflict);
        retire_keys(d, now, [&](const std::string& alg) { return alg != key.alg && alg != keep_alg; });
        if (signs) return false;
        retire_keys(d, now, [&](const std::string& alg) { return alg == key.alg; });
        d.keys.emplace(key.kid, key);
        return true;
      });
    }
  };

  class Audit final : public Part<store::AuditStore> {
   public:
    using Part::Part;
    Result<void> append(const std::vector<store::AuditEvent>& events) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        auto all = d.events;  // one transaction: all or nothing
        for (const auto& e : events) {
          if (!all.emplace(e.id, e).second) return fail(Error::conflict);
        }
        d.events = std::move(all);
        return {};
      });
    }
    Result<std::vector<store::AuditEvent>> list(const store::AuditQuery& q) override {
      return s_.run<std::vector<store::AuditEvent>>([&](Data& d) -> Result<std::vector<store::AuditEvent>> {
        std::vector<store::AuditEvent> out;
        for (const auto& [id, e] : d.events) {
          if (q.username_key && e.username_key != *q.username_key) continue;
          if (q.before && std::pair(e.at, e.seq) >= *q.before) continue;
          out.push_back(e);
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
          return std::tie(b.at, b.seq, b.id) < std::tie(a.at, a.seq, a.id);
        });
        if (out.size() > q.limit) out.resize(q.limit);
        return out;
      });
    }
    Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                              std::size_t max_events) override {
      return s_.run<std::size_t>([&](Data& d) -> Result<std::size_t> {
        std::vector<std::pair<UnixSeconds, std::string>> old;
        for (const auto& [id, e] : d.events) {
          if (e.at < audit_before) old.emplace_back(e.at, id);
        }
        std::sort(old.begin(), old.end());
        if (old.size() > max_events) old.resize(max_events);
        for (const auto& [at, id] : old) d.events.erase(id);
        std::erase_if(d.kept_revocations, [&](const auto& kv) { return kv.second < revocations_before; });
        return old.size();
      });
    }
  };

  class Admin final : public Part<store::AdminQueries> {
   public:
    using Part::Part;
    Result<std::vector<store::UserSummary>> list_users(const store::UserQuery& q) override {
      return s_.run<std::vector<store::UserSummary>>([&](Data& d) -> Result<std::vector<store::UserSummary>> {
        std::vector<store::UserSummary> out;
        for (const auto& entry : d.users) {
          // (Not a structured binding: clang 14 cannot capture one in a lambda.)
          const std::string& id = entry.first;
          const store::User& u = entry.second;
          if (u.username_key <= q.after) continue;
          const auto n = std::count_if(d.sessions.begin(), d.sessions.end(), [&](const auto& kv) {
            return kv.second.user_id == id && live(kv.second, q.now, q.idle_since);
          });
          out.push_back({u, static_cast<std::int64_t>(n)});
        }
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return a.user.username_key < b.user.username_key; });
        if (out.size() > q.limit) out.resize(q.limit);
        return out;
      });
    }
    Result<Ids> disable_user(std::string_view user_id, UnixSeconds now) override {
      return s_.run<Ids>([&](Data& d) -> Result<Ids> {
        store::User* u = row(d.users, user_id);
        if (!u) return fail(Error::not_found);
        if (!u->disabled_at) u->disabled_at = now;  // the first time stays
        return end_all(d, user_id, std::nullopt, now, store::EndReason::user_disabled, false);
      });
    }
    Result<void> enable_user(std::string_view user_id) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        store::User* u = row(d.users, user_id);
        if (!u) return fail(Error::not_found);
        u->disabled_at.reset();
        return {};
      });
    }
    Result<Ids> delete_user(std::string_view user_id, UnixSeconds now, UnixSeconds keep_revocations_since) override {
      return s_.run<Ids>([&](Data& d) -> Result<Ids> {
        if (!d.users.contains(user_id)) return fail(Error::not_found);
        Ids ended = end_all(d, user_id, std::nullopt, now, store::EndReason::user_deleted, false);
        for (const auto& [id, s] : d.sessions) {
          if (s.user_id == user_id && s.revoked_at >= keep_revocations_since)
            d.kept_revocations.emplace(id, *s.revoked_at);
        }
        std::erase_if(d.session_clients, [&](const auto& kv) {
          const store::Session* s = row(d.sessions, kv.first.first);
          return s && s->user_id == user_id;
        });
        std::erase_if(d.sessions, [&](const auto& kv) { return kv.second.user_id == user_id; });
        std::erase_if(d.consents, [&](const auto& kv) { return kv.first.first == user_id; });
        d.totp.erase(std::string(user_id));
        std::erase_if(d.recovery_codes, [&](const auto& kv) { return kv.first.first == user_id; });
        std::erase_if(d.challenges, [&](const auto& kv) { return kv.second.user_id == user_id; });
        std::erase_if(d.passkeys, [&](const auto& kv) { return kv.second.user_id == user_id; });
        d.users.erase(d.users.find(user_id));
        return ended;
      });
    }
  };

  class Db final : public Part<store::Database> {
   public:
    using Part::Part;
    Result<void> ping() override {
      return s_.run<void>([](Data&) -> Result<void> { return {}; });
    }
    Result<store::Snapshot> export_all() override {
      return s_.run<store::Snapshot>([&](Data& d) -> Result<store::Snapshot> {
        store::Snapshot snap;
        for (const auto& [id, u] : d.users) snap.users.push_back(u);
        for (const auto& [id, x] : d.sessions) snap.sessions.push_back(x);
        snap.keys = sorted_keys(d);
        for (const auto& [name, secret] : d.secrets) snap.secrets.push_back(secret);
        for (const auto& [id, e] : d.events) snap.audit.push_back(e);
        for (const auto& [id, c] : d.clients) snap.clients.push_back(c);
        for (const auto& [key, c] : d.consents) snap.consents.push_back(c);
        return snap;
      });
    }
    Result<void> import_all(const store::Snapshot& snap) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        if (!d.users.empty() || !d.sessions.empty()) return fail(Error::conflict);
        Data next = d;  // one transaction: a refused row leaves `d` as it was
        for (const auto& u : snap.users) {
          if (auto r = insert_user(next, u); !r) return r;
        }
        for (const auto& x : snap.sessions) {
          if (auto r = insert_session(next, x); !r) return r;
        }
        for (const auto& k : snap.keys) {
          if (auto r = insert_key(next, k); !r) return r;
        }
        for (const auto& secret : snap.secrets) next.secrets[secret.name] = secret;
        for (const auto& e : snap.audit) {
          if (!next.events.emplace(e.id, e).second) return fail(Error::conflict);
        }
        for (const auto& c : snap.clients) {
          if (!next.clients.emplace(c.id, c).second) return fail(Error::conflict);
        }
        for (const auto& c : snap.consents) {
          if (!next.users.contains(c.user_id) || !next.clients.contains(c.client_id) ||
              !next.consents.emplace(std::pair(c.user_id, c.client_id), c).second)
            return fail(Error::conflict);
        }
        d = std::move(next);
        return {};
      });
    }
  };

  mutable std::mutex mutex_;
  Data data_;
  int calls_ = 0;
  int skip_ = 0;
  int failures_ = 0;
  Error failure_ = Error::failed;
  store::SessionStore::RevokedCallback on_revoked_;
  std::function<void()> on_resync_;

  Users users_{*this};
  Sessions sessions_{*this};
  Keys keys_{*this};
  Limits limits_{*this};
  Clients clients_{*this};
  Codes codes_{*this};
  Consents consents_{*this};
  Logouts logouts_{*this};
  Assertions assertions_{*this};
  Factors factors_{*this};
  Mail mail_{*this};
  MfaChallenges mfa_challenges_{*this};
  WebauthnChallenges webauthn_challenges_{*this};
  Audit audit_{*this};
  Admin admin_{*this};
  Db database_{*this};
};

}  // namespace latchkey::testing
