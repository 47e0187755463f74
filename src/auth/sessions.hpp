#pragma once
// Sessions: opening one for a verified account, refreshing it (rotation with
// reuse detection), ending it (logout, logout everywhere), listing the live
// ones, and writing their last-use times. Methods marked "blocking" call the
// store: run them on the database lane.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/context.hpp"
#include "auth/errors.hpp"
#include "auth/replay_cache.hpp"
#include "auth/token_issuer.hpp"

namespace latchkey::auth {

// A refresh token of the right shape, with the digests and the next token of
// its chain computed up front (prepare_refresh), so that the store phase
// does no hashing.
struct RefreshRequest {
  std::string token;
  std::string session_id;
  std::int64_t generation = 0;
  std::string digest;       // of `token`, as kept in the database
  std::string next;         // the chain's next token (rotation on), else empty
  std::string next_digest;  // its digest
  // The OAuth client presenting it (the token endpoint), or empty (the
  // seed's /refresh_token): a token refreshes only where it was issued.
  std::string client_id;
};

// What the store phase of a refresh decided; the access token is signed
// after it (issue_refresh), off the database lane.
struct RefreshGrant {
  store::User user;
  std::string refresh_token;  // handed out
  std::string replay_key;     // its digest: the replay cache's key; empty without rotation
  UnixSeconds iat = 0;        // a replay's is the first use's: the same access token
  TokenGrant grant;           // what the session's access tokens say of its client
  UnixSeconds now = 0;        // the request's clock read: expires_in counts from it
};

// What a new session is beyond its user: /login's sessions take the defaults.
struct SessionSpec {
  std::string_view kind = store::kApiSession;
  std::string_view client_id;    // oauth
  std::string_view parent_id;    // oauth: the browser session
  std::string_view cookie_hash;  // browser
  UnixSeconds auth_time = 0;     // 0: now
  std::string_view amr = "pwd";
  std::string_view scope;        // oauth
  // false: no refresh token (an app's session without offline_access). Its
  // row keeps a refresh_hash no digest can equal ("-" and the session id:
  // unique, and growing with the time-ordered id, so its index gains no
  // random page per session as a digest's would).
  bool refreshable = true;
};

// A session the store phase wrote, its access token not signed yet: signing
// needs no database, so it can wait for the I/O thread (Sessions::issue).
struct OpenedSession {
  store::User user;
  std::string session_id;
  std::string refresh_token;  // empty: not refreshable
  UnixSeconds iat = 0;
  TokenGrant grant;
};

struct SessionInfo {
  store::Session session;
  UnixSeconds expires_at = 0;  // the earlier of the absolute and the idle end
  std::string device;          // "Firefox on Linux"
  bool current = false;
};

// How a live session is shown to its owner or an administrator.
SessionInfo describe_session(store::Session s, UnixSeconds idle_ttl, std::string_view current_session_id);

// What /logout names: a token (access or refresh) or a session id; neither
// means the caller's own session.
struct LogoutTarget {
  std::optional<std::string_view> token;
  std::optional<std::string_view> session_id;
};

class Sessions {
 public:
  Sessions(const Context& ctx, const TokenIssuer& issuer, const Authenticator& authenticator);

  // A new session of `user` (enabled when it was read) and its first token
  // pair; applies the session cap. account_disabled when the account was
  // disabled or deleted since it was read. Blocking (store).
  Expected<TokenPair> open(const store::User& user, const Client& client, const SessionSpec& spec = {});
  // open() in its two phases: the session written (blocking, store), then
  // its first pair signed (non-blocking, any thread). A job on the database
  // lane runs the first and leaves the signature (an ES256 signature: about
  // a fifth of the lane's time per code-flow token) to the I/O thread.
  Expected<OpenedSession> create(const store::User& user, const Client& client, const SessionSpec& spec = {});
  TokenPair issue(const OpenedSession& opened) const;

  // prepare_refresh, apply_refresh, then issue_refresh. Blocking.
  Expected<TokenPair> refresh(std::string_view refresh_token, const Client& client = {});
  // First phase: checks the token's shape and computes its digests and
  // successor. Non-blocking, any thread.
  Expected<RefreshRequest> prepare_refresh(std::string_view refresh_token) const;
  // Store phase: reads the session and its user, decides (rotation, replay
  // within the grace window, reuse: the session ends) and rotates with a
  // compare-and-set. Blocking (store); signs nothing.
  Expected<RefreshGrant> apply_refresh(const RefreshRequest& request, const Client& client = {});
  // Last phase: signs the access token. A retry within the grace window, and
  // a request that lost the compare-and-set to another, get the access token
  // first issued for the same refresh token (replay cache). Non-blocking.
  TokenPair issue_refresh(RefreshGrant grant);

  // Ends one session of the caller; returns the id of the ended session. Blocking.
  Expected<std::string> logout(const Principal& caller, const LogoutTarget& target, const Client& client = {});
  // Ends every session of the caller (keep_current: all but the caller's). Blocking.
  Expected<std::size_t> logout_all(const Principal& caller, bool keep_current, const Client& client = {});
  // The caller's live sessions, newest first. Blocking.
  Expected<std::vector<SessionInfo>> list(const Principal& caller);

  // Last-use times noted by the bearer check: the pending ones (memory only;
  // they are forgotten here), then writing some of them (blocking), so that
  // the writes can be split into short database calls.
  std::vector<store::Usage> take_usage();
  Expected<void> write_usage(std::span<const store::Usage> used);
  // Both at once. Blocking.
  Expected<std::size_t> flush_usage();

 private:
  void enforce_cap(const store::User& user, UnixSeconds now);
  Expected<store::Session> session_of_token(const Principal& caller, std::string_view token);
  // Ends a session whose spent refresh token came back; always an error (token_reused).
  tl::unexpected<AuthError> end_reused(const store::Session& s, UnixSeconds now, const Client& client);

  Context ctx_;
  const TokenIssuer& issuer_;
  const Authenticator& authenticator_;
  ReplayCache replays_;
};

}  // namespace latchkey::auth
