"""A complete relying party: a web app that signs people in with latchkey.

It uses Authlib's Flask integration (Debian: python3-flask python3-authlib)
as a confidential client: the authorization-code flow with PKCE, the
id_token checked against latchkey's JWKS (signature, iss, aud, nonce,
exp), UserInfo, RP-initiated logout, and a back-channel logout endpoint
that forgets the person's session here when they sign out anywhere.

Run latchkey, register this app (see README.md next to this file), then:

    LATCHKEY_ISSUER=http://127.0.0.1:5000 CLIENT_ID=... CLIENT_SECRET=... \\
        python3 examples/oidc-relying-party/app.py

and open http://127.0.0.1:8000/.
"""
import os
import secrets

from authlib.integrations.flask_client import OAuth
from authlib.jose import JsonWebKey, jwt
from flask import Flask, redirect, request, session, url_for

ISSUER = os.environ.get("LATCHKEY_ISSUER", "http://127.0.0.1:5000")
BASE = os.environ.get("APP_URL", "http://127.0.0.1:8000")

app = Flask(__name__)
app.secret_key = os.environ.get("APP_SECRET", secrets.token_hex(32))
oauth = OAuth(app)
oauth.register(
    "latchkey",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
    client_kwargs={"scope": "openid profile offline_access", "code_challenge_method": "S256"},
)
# Sessions ended by back-channel logout: their `sid`s (a real app keeps
# these in its session store, shared by its instances).
ended_sids = set()


@app.route("/")
def home():
    user = session.get("user")
    if not user or user.get("sid") in ended_sids:
        session.clear()
        return '<!doctype html><html lang="en"><title>Example app</title><a href="/login">Sign in with latchkey</a>'
    return (f'<!doctype html><html lang="en"><title>Example app</title><p>Signed in as {user["name"]}</p>'
            f'<p><a href="/logout">Sign out everywhere</a></p>')


@app.route("/login")
def login():
    return oauth.latchkey.authorize_redirect(url_for("callback", _external=True))


@app.route("/callback")
def callback():
    token = oauth.latchkey.authorize_access_token()  # checks state, exchanges the code, validates the id_token
    claims = token["userinfo"]
    info = oauth.latchkey.userinfo(token=token)
    session["user"] = {"sub": claims["sub"], "sid": claims.get("sid"), "name": info.get("preferred_username")}
    session["id_token"] = token["id_token"]
    return redirect("/")


@app.route("/logout")
def logout():
    id_token = session.pop("id_token", None)
    session.clear()
    meta = oauth.latchkey.load_server_metadata()
    params = {"post_logout_redirect_uri": BASE + "/", "id_token_hint": id_token or ""}
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return redirect(f"{meta['end_session_endpoint']}?{query}")


@app.route("/backchannel-logout", methods=["POST"])
def backchannel_logout():
    """OpenID Connect Back-Channel Logout 1.0, section 2.6: validate the
    logout_token, then end the sessions it names."""
    meta = oauth.latchkey.load_server_metadata()
    keys = JsonWebKey.import_key_set(oauth.latchkey.fetch_jwk_set())
    try:
        claims = jwt.decode(request.form.get("logout_token", ""), keys)
        claims.validate()
        assert claims["iss"] == meta["issuer"] and claims["aud"] == oauth.latchkey.client_id
        assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"] and "nonce" not in claims
    except Exception:  # any failure: 400, as 2.8 says
        return "", 400
    ended_sids.add(claims.get("sid"))
    return "", 200


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000)
