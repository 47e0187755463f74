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
//  - orders no contract names: ended ids come in id order, prune removes the
//    oldest events first.
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
  };

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
    if (key_taken || !d.users.emplace(u.id, u).second) return fail(Error::conflict);
    return {};
  }
  // As the schema has it: unique id and refresh_hash, and a user to belong to.
  static Result<void> insert_session(Data& d, const store::Session& s) {
    const bool hash_taken = std::any_of(d.sessions.begin(), d.sessions.end(),
                                        [&](const auto& kv) { return kv.second.refresh_hash == s.refresh_hash; });
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
  static void end_session(store::Session& s, UnixSeconds now, store::EndReason reason) {
    s.revoked_at = now;
    s.end_reason = std::string(store::reason_name(reason));
  }
  // Ends the user's sessions not yet ended, but `keep` (and, if `unexpired_only`, the expired ones).
  static Ids end_all(Data& d, std::string_view user_id, std::optional<std::string_view> keep, UnixSeconds now,
                     store::EndReason reason, bool unexpired_only) {
    Ids ended;
    for (auto& [id, s] : d.sessions) {
      if (s.user_id != user_id || s.revoked_at || (keep && id == *keep)) continue;
      if (unexpired_only && s.expires_at <= now) continue;
      end_session(s, now, reason);
      ended.push_back(id);
    }
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
  };

  class Sessions final : public Part<store::SessionStore> {
   public:
    using Part::Part;
    Result<void> create(const store::Session& session) override {
      return s_.run<void>([&](Data& d) -> Result<void> {
        const store::User* u = row(d.users, session.user_id);
        if (!u || u->disabled_at) return fail(Error::not_found);
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
        end_session(*s, now, reason);
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
        return {};
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
        for (const auto& [id, u] : d.users) {
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
        std::erase_if(d.sessions, [&](const auto& kv) { return kv.second.user_id == user_id; });
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
  Audit audit_{*this};
  Admin admin_{*this};
  Db database_{*this};
};

}  // namespace latchkey::testing
