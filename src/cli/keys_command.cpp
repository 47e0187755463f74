// `latchkey keys list | rotate [ALG] [--now]`.
#include <algorithm>
#include <cstdio>

#include "auth/admin.hpp"
#include "auth/audit_log.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"
#include "token/jwt.hpp"

namespace latchkey::cli {

namespace {

int list_keys(const config::Config& cfg, store::Store& store, const auth::KeyPolicy& policy) {
  if (cfg.secret_key) {
    std::printf("SECRET_KEY is set: HS256, kid %s (not stored, never published)\n",
                token::kid_for_secret(*cfg.secret_key).c_str());
    return 0;
  }
  auto rows = store.keys().list();
  if (!rows) return fail("cannot read signing keys", 1);
  const UnixSeconds now = now_unix();
  std::printf("%-14s %-6s %-10s %-21s %-21s\n", "KID", "ALG", "STATE", "SIGNS FROM", "RETIRED AT");
  for (const auto& k : *rows) {
    std::printf("%-14s %-6s %-10s %-21s %-21s\n", k.kid.c_str(), k.alg.c_str(),
                std::string(auth::key_state_name(auth::key_state(k, *rows, policy, now))).c_str(),
                format_rfc3339(k.not_before).c_str(), k.retired_at ? format_rfc3339(*k.retired_at).c_str() : "-");
  }
  return 0;
}

}  // namespace

int keys_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 bool now_flag) {
  const auth::KeyPolicy policy = key_policy(cfg);
  if ((words.size() == 2 || words.size() == 3) && words[1] == "rotate") {
    if (cfg.secret_key) return fail("keys rotate: SECRET_KEY is set; rotate it by changing SECRET_KEY", 2);
    // JWT_ALG's key by default; the other algorithm that signs (RS256, for
    // ID tokens) when named. Each has its own schedule: rotating one leaves
    // the other signing.
    token::Alg alg = policy.alg;
    if (words.size() == 3) {
      const auto algs = auth::signing_algs(policy);
      auto named = token::alg_from_name(words[2]);
      if (!named || std::find(algs.begin(), algs.end(), *named) == algs.end()) {
        std::string names;
        for (token::Alg a : algs) names += (names.empty() ? "" : " or ") + std::string(token::alg_name(a));
        return fail("keys rotate: the algorithms that sign here are " + names, 2);
      }
      alg = *named;
    }
    auto row = auth::rotate_signing_key(store, alg, now_unix(), now_flag ? 0 : cfg.key_publish_delay);
    if (!row) return fail(row.error(), 1);
    auth::AuditLog audit(store);
    auth::Admin(store, admin_options(cfg), audit, now_unix).key_rotated(*row, auth::Actor{"cli"});
    std::printf("new key %s (%s) signs from %s; running servers pick it up within 30 s\n", row->kid.c_str(),
                row->alg.c_str(), format_rfc3339(row->not_before).c_str());
    return 0;
  }
  if (words.size() == 2 && words[1] == "list") return list_keys(cfg, store, policy);
  return fail("usage: latchkey keys list | latchkey keys rotate [ALG] [--now]", 2);
}

int copy_store(store::Store& source, store::Store& target, const std::string& from, const std::string& to) {
  auto snap = source.database().export_all();
  if (!snap) return fail("cannot read " + from + ": " + std::string(store::describe(snap.error())), 1);
  if (auto r = target.database().import_all(*snap); !r) {
    if (r.error() == store::StoreError::conflict)
      return fail("copy-store: the target already holds users or sessions; copy into an empty database", 1);
    return fail("cannot write " + to + ": " + std::string(store::describe(r.error())), 1);
  }
  std::printf("copied %zu users, %zu sessions, %zu keys, %zu secrets\n", snap->users.size(), snap->sessions.size(),
              snap->keys.size(), snap->secrets.size());
  return 0;
}

}  // namespace latchkey::cli
