"""The one table bench/run.py prints (Markdown, pasted into the README)."""

# Which bound of the machine each scenario is measured against.
BOUND_OF = {
    "protected_es256": ("es256_verify_per_s", "ES256 verifications/s"),
    "protected_hs256": ("hs256_verify_per_s", "HMAC-SHA-256 (256 B)/s"),
    "get_active_sessions": ("es256_verify_per_s", "ES256 verifications/s"),
    "refresh_token": ("es256_sign_per_s", "ES256 signatures/s"),
    "login": ("argon2id_per_s", "argon2id hashes/s"),
    "signup": ("argon2id_per_s", "argon2id hashes/s"),
}


# The OpenID Connect rows: (scenario, server) -> bound. latchkey signs access
# tokens ES256 (JWT_ALG's default), the peer EdDSA; both sign id_tokens RS256.
OIDC_BOUND = {
    ("oidc_client_credentials", "latchkey"): ("es256_sign_per_s", "ES256 signatures/s"),
    ("oidc_client_credentials", "peer"): ("ed25519_sign_per_s", "EdDSA signatures/s"),
    ("oidc_code_flow", "latchkey"): ("rs256_sign_per_s", "RS256 signatures/s"),
    ("oidc_code_flow", "peer"): ("rs256_sign_per_s", "RS256 signatures/s"),
}


def pair_range(lk, peer):
    """The ratios of the runs taken side by side (the servers' runs alternate,
    so each pair met the same minute of the machine, whose speed moves by a
    fifth from minute to minute): " (runs 2.8-3.6)"; nothing for one run."""
    pairs = [a["rps"] / b["rps"] for a, b in zip(lk.get("runs", []), peer.get("runs", [])) if b["rps"]]
    return f" (runs {min(pairs):.1f}-{max(pairs):.1f})" if len(pairs) > 1 else ""


def oidc_table(oidc, bounds):
    """One row per scenario and server; the ratio on latchkey's row."""
    peer = {r["scenario"]: r for r in oidc.get("peer", [])}
    head = ["scenario", "server", "tokens or flows/s", "p50 ms", "p99 ms", "errors", "server CPU",
            "busiest server thread", "wrk CPU", "peak RSS MB", "latchkey/peer", "bound on this machine (share reached)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in oidc.get("latchkey", []):
        p = peer.get(r["scenario"])
        for who, row in (("latchkey", r), ("oidc-provider", p)):
            if row is None:
                continue
            ok = "0" if row["errors"] == 0 else f"**INVALID: {row['errors']}**"
            ratio = f"{r['rps'] / p['rps']:.1f}x{pair_range(r, p)}" if p and who == "latchkey" and p["rps"] else ""
            b = OIDC_BOUND.get((r["scenario"], "latchkey" if who == "latchkey" else "peer"))
            bound = (f"{bounds[b[0]]:,.0f} {b[1]} ({100 * row['rps'] / bounds[b[0]]:.0f}%)"
                     if b and b[0] in bounds else "")
            lines.append("| " + " | ".join([
                row["scenario"], who, f"{row['rps']:,.0f}", f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}",
                ok, f"{row['cpu']:.2f}", f"{row.get('busiest_thread_cpu', 0):.2f}",
                f"{row.get('wrk_cpu', 0):.2f}", f"{row['peak_rss_mb']:.1f}", ratio,
                bound]) + " |")
    return lines


def fmt_row(r, seed=None, bounds=None):
    ok = "0" if r["errors"] == 0 else f"**INVALID: {r['errors']}**"
    cells = [r["scenario"], f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", ok,
             f"{r['cpu']:.2f}", f"{r['peak_rss_mb']:.1f}"]
    if seed is not None:
        # The seed signs HS256 only: its /protected is the peer of both of ours.
        base = r["scenario"].removesuffix("_1m")
        s = seed.get("protected_hs256" if base.startswith("protected_") and base != "protected_during_login_flood"
                     else base)
        cells += [f"{s['rps']:,.0f}" if s else "", f"{r['rps'] / s['rps']:.1f}x" if s else ""]
    b = BOUND_OF.get(r["scenario"].removesuffix("_1m"))
    if bounds is not None and b and b[0] in bounds:
        cells.append(f"{bounds[b[0]]:,.0f} {b[1]} ({100 * r['rps'] / bounds[b[0]]:.0f}%)")
    elif bounds is not None:
        cells.append("")
    return "| " + " | ".join(cells) + " |"


def render(result):
    seed = {r["scenario"]: r for r in result.get("seed", [])} if "seed" in result else None
    bounds = result.get("bounds", {})
    m = result["machine"]
    lines = [f"latchkey bench, {result['date']}: {m['cpu']}, {m['cores']} cores, "
             f"{m['memory_gib']} GiB, Linux {m['kernel']}; wrk 1 thread x 64 connections, "
             f"{result['duration_s']} s x {result['runs']} runs (median), same machine"
             + "".join(f"; latchkey with {k}={v}" for k, v in result.get("server_env", {}).items())
             + ".", ""]
    head = ["scenario", "req/s", "p50 ms", "p99 ms", "errors", "server CPU", "peak RSS MB"]
    if seed is not None:
        head += ["seed req/s", "latchkey/seed"]
    head.append("bound on this machine (share reached)")
    rows = list(result.get("latchkey", []))
    big = result.get("memory", {}).get("big", {})
    rows += big.get("rows", [])
    if rows:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(fmt_row(r, seed, bounds))
    if result.get("oidc"):
        lines += ([""] if rows else []) + ["OpenID Connect: client_credentials in tokens/s; the code flow of a signed-in browser "
                      "(GET /authorize, 303 with a code, POST /token, 200 with an id_token) in completed flows/s, "
                      "p50/p99 of the whole flow; oidc-provider is panva's 9.13.3 (Node "
                      f"{result['oidc'].get('node', '?')}, in-memory storage), same wrk settings, same run.", ""]
        lines += oidc_table(result["oidc"], bounds)
    flood = next((r for r in rows if "flood_rps" in r), None)
    if flood:
        lines.append("")
        lines.append(f"During the login flood: logins {flood['flood_rps']:,.0f}/s, "
                     f"{flood['flood_non2xx']} answered a quick 503 (hashing queue full).")
    mem = result.get("memory")
    if mem:
        i, u = mem["idle"], mem["users"]
        lines += ["", f"Idle: RSS {i['rss_mb']:.1f} MB, start-up {i['startup_ms']:.0f} ms (until the "
                      f"port answers). {u['count']:,} users: RSS {u['rss_mb']:.1f} MB, database "
                      f"{u['db_mb']:.1f} MB, start-up {u['startup_ms']:.0f} ms."]
        if big:
            lines.append(f"{big['users']:,} users and {big['sessions']:,} sessions "
                         f"({big['revoked_at_start']:,} ended within the access-token lifetime, so "
                         f"in the revocation set): start-up {big['startup_ms']:.0f} ms, RSS "
                         f"{big['rss_mb']:.1f} MB idle, {big['rss_after_mb']:.1f} MB after the load, "
                         f"database {big['db_mb']:.1f} MB.")
    if bounds:
        lines += ["", "Bounds (all cores): " + ", ".join(
            f"{k.removesuffix('_per_s').replace('_', ' ')} {v:,.0f}/s" for k, v in bounds.items()) + "."]
    return "\n".join(lines)
