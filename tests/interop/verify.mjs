// Verifies a latchkey access token with `jose`, fetching the keys from the
// server's JWKS over HTTP, as any other service would.
//   node verify.mjs <jwks url> <issuer> <audience> <token> [unix time to judge at]
// Prints {"ok": true, "payload": {...}} or {"ok": false, "code": "..."}; exit 0 either way.
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, issuer, audience, token, at] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(jwksUrl));
try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    typ: "at+jwt",
    algorithms: ["ES256", "EdDSA", "RS256"],
    ...(at ? { currentDate: new Date(Number(at) * 1000) } : {}),
  });
  console.log(JSON.stringify({ ok: true, alg: protectedHeader.alg, payload }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, code: e.code || e.name, message: e.message }));
}
