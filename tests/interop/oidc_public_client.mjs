// A public client with PKCE, as panva's openid-client (6.x, OpenID
// Certified) runs it, with its signature checks enabled (non-repudiation:
// the id_token's signature is verified through the JWKS).
//   node oidc_public_client.mjs start <issuer> <client_id> <redirect_uri>
//     prints {"url", "verifier", "state", "nonce"}: the browser goes to url.
//   node oidc_public_client.mjs finish <issuer> <client_id> <callback url> <verifier> <state> <nonce>
//     prints {"ok": true, "claims", "userinfo", "scope"} or {"ok": false, "code", "message"}.
// Exit 0 either way: the test judges.
import * as client from "openid-client";

const [step, issuer, clientId, ...rest] = process.argv.slice(2);
const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), {
  execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
});

try {
  if (step === "start") {
    const [redirectUri] = rest;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "openid profile",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    console.log(JSON.stringify({ url: url.href, verifier, state, nonce }));
  } else {
    const [callback, verifier, state, nonce] = rest;
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    console.log(JSON.stringify({ ok: true, claims, userinfo, scope: tokens.scope }));
  }
} catch (e) {
  console.log(JSON.stringify({ ok: false, code: e.code || e.name, message: e.message }));
}
