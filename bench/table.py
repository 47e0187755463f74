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
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = list(result.get("latchkey", []))
    big = result.get("memory", {}).get("big", {})
    rows += big.get("rows", [])
    for r in rows:
        lines.append(fmt_row(r, seed, bounds))
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
