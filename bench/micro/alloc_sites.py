#!/usr/bin/python3
"""Where the allocations of one /protected request come from.

Reads a heaptrack allocation flame-graph file and counts, per request, the
allocation calls whose call stack happened at least once every two requests
(one-time set-up falls away), grouped by what made them. Usage (README.md):

  LATCHKEY_MICRO_ITERATIONS=30011 heaptrack -o /tmp/ht latchkey_micro \
      --benchmark_filter=BM_ProtectedRequest/cached
  heaptrack_print -f /tmp/ht.zst -p 0 -a 0 -T 0 \
      --flamegraph-cost-type allocations -F /tmp/ht.flame
  bench/micro/alloc_sites.py /tmp/ht.flame 30011
"""
import collections
import re
import sys

# (label, test on the ';'-joined stack); the first match wins.
RULES = [
    ("parse: Beast request_parser (start line, one per header field)", lambda s: "basic_parser" in s),
    ("parse: request id (crypto::random_token(12), 16 chars > SSO)",
     lambda s: "random_token" in s),
    ("auth: VerifiedCache digest (OpenSSL one-shot SHA256)", lambda s: "ossl_" in s and "VerifiedCache" in s),
    ("verify/OpenSSL: key_mismatch() key-type check, every verify", lambda s: "ossl_" in s and "key_mismatch" in s),
    ("verify/OpenSSL: raw R||S to DER ECDSA_SIG (raw_to_der)", lambda s: "ossl_" in s and "raw_to_der" in s),
    ("verify/OpenSSL: EVP_DigestVerifyInit (fetches, contexts)",
     lambda s: "ossl_" in s and "EVP_DigestVerifyInit" in s),
    ("verify/OpenSSL: EVP_DigestVerifyFinal (ctx dup, DER decode, EC math)",
     lambda s: "ossl_" in s and "EVP_DigestVerifyFinal" in s),
    ("verify/OpenSSL: EVP_MD_CTX_new", lambda s: "ossl_" in s and "verify_signature" in s),
    ("verify: base64url_decode of header, payload, signature", lambda s: "base64url_decode" in s),
    ("verify: boost::json::parse of header and payload", lambda s: "boost::json::parse" in s),
    ("verify: DER signature std::string (raw_to_der)", lambda s: "raw_to_der" in s),
    ("verify: claims copied into AccessClaims strings", lambda s: "verify_access_token" in s),
    ("auth: VerifiedToken + cache insert (first sight of a token)", lambda s: "VerifiedCache" in s or "make_shared" in s),
    ("auth: other (Authenticator::authenticate)", lambda s: "Authenticator::authenticate" in s),
    ("handler: response JSON (json::object, serialize)",
     lambda s: "boost::json" in s and ("protected_resource" in s or "json_response" in s)),
    ("handler: message text std::string", lambda s: "protected_resource" in s),
    ("write: to_beast response header fields (basic_fields::set)", lambda s: "basic_fields" in s or "to_beast" in s),
    ("write: serializer", lambda s: "serializer" in s),
    ("set-up (coincidence with the iteration count)", lambda s: "common_password" in s),
]


def main(path, iterations):
    stacks = collections.Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = [re.sub(r" \([^()]*\)$", "", f) for f in stack.split(";") if f]
        stacks[tuple(frames)] += int(count)
    per_label = collections.Counter()
    unknown = []
    for frames, count in stacks.items():
        if count < iterations / 2:
            continue
        joined = ";".join(frames)
        for label, test in RULES:
            if test(joined):
                per_label[label] += count
                break
        else:
            unknown.append((frames, count))
    total = 0.0
    for label, _ in RULES:
        if per_label[label]:
            print(f"{per_label[label] / iterations:7.2f}  {label}")
            total += per_label[label] / iterations
    for frames, count in unknown:
        print(f"{count / iterations:7.2f}  unclassified: " + " <- ".join(reversed(frames[-10:])))
        total += count / iterations
    print(f"{total:7.2f}  total per request")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
