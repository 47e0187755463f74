// latchkey's passkey pages: the WebAuthn calls a form cannot make. Each form
// marked data-passkey-* gets its credential from the browser, as JSON in its
// hidden "credential" field, then posts as any form. Without WebAuthn the
// passkey forms stay hidden and every page works as before.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }
  function enc(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    o.challenge = dec(o.challenge);
    o.user.id = dec(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return o;
  }
  function requestOptions(o) {
    o.challenge = dec(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return o;
  }
  function asJson(cred) {
    var r = cred.response, out = { id: cred.id, rawId: enc(cred.rawId), type: cred.type,
      response: { clientDataJSON: enc(r.clientDataJSON) } };
    if (r.attestationObject) out.response.attestationObject = enc(r.attestationObject);
    if (r.authenticatorData) {
      out.response.authenticatorData = enc(r.authenticatorData);
      out.response.signature = enc(r.signature);
      if (r.userHandle) out.response.userHandle = enc(r.userHandle);
    }
    return JSON.stringify(out);
  }
  function say(form, text) {
    var p = form.querySelector(".passkey-error");
    if (p) { p.textContent = text; p.hidden = false; }
  }
  function post(form, cred) {
    form.querySelector("input[name=credential]").value = asJson(cred);
    form.submit();
  }
  function options(form) {
    var inline = form.getAttribute("data-passkey-options");
    if (inline) return Promise.resolve(JSON.parse(inline));
    return fetch(form.getAttribute("data-passkey-fetch"), { method: "POST", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("options"); return r.json(); })
      .then(function (j) { return j.publicKey; });
  }
  var autofill = null;  // the pending autofill request, ended before any other
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var kind = form.getAttribute("data-passkey");
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      if (form.querySelector("input[name=credential]").value) return;
      e.preventDefault();
      if (autofill) { autofill.abort(); autofill = null; }
      options(form).then(function (o) {
        return kind === "create" ? navigator.credentials.create({ publicKey: creationOptions(o) })
                                 : navigator.credentials.get({ publicKey: requestOptions(o) });
      }).then(function (cred) { post(form, cred); })
        .catch(function () { say(form, "The passkey was not used. Try again, or use another way."); });
    });
    // The browser's autofill offers passkeys in the username field (conditional mediation).
    if (kind === "signin" && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (yes) {
        if (!yes) return;
        autofill = new AbortController();
        var signal = autofill.signal;
        return options(form).then(function (o) {
          return navigator.credentials.get({ publicKey: requestOptions(o), mediation: "conditional", signal: signal });
        }).then(function (cred) { if (cred) post(form, cred); });
      }).catch(function () {});
    }
  });
})();
