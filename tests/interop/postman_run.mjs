// Runs a Postman v2.1 collection in order against a server, the way the
// Collection Runner (or newman) would, for the features docs/postman_collection.json
// uses: {{variables}}, :path variables, bearer/basic/noauth auth (inherited from
// the collection or folder), raw and urlencoded bodies, and test scripts with pm.test, pm.expect (a small
// chai subset), pm.response and pm.collectionVariables. Test-only, no dependencies.
//   node postman_run.mjs COLLECTION.json '{"base_url": "http://127.0.0.1:5000", ...}'
// Prints one JSON object: {"requests": [{name, method, url, status, tests: [{name, ok, error}]}]}.
import { readFileSync } from "node:fs";

const collection = JSON.parse(readFileSync(process.argv[2], "utf8"));
const vars = new Map(collection.variable.map((v) => [v.key, v.value]));
for (const [k, v] of Object.entries(JSON.parse(process.argv[3] || "{}"))) vars.set(k, v);
const fill = (s) => String(s).replace(/\{\{([^}]+)\}\}/g, (m, name) => (vars.has(name) ? vars.get(name) : m));

function expect(actual) {
  const fail = (what) => { throw new Error(`expected ${JSON.stringify(actual)} ${what}`); };
  const chain = {
    equal(x) { if (actual !== x) fail(`to equal ${JSON.stringify(x)}`); return chain; },
    eql(x) { if (JSON.stringify(actual) !== JSON.stringify(x)) fail(`to eql ${JSON.stringify(x)}`); return chain; },
    oneOf(xs) { if (!xs.includes(actual)) fail(`to be one of ${JSON.stringify(xs)}`); return chain; },
    include(x) { if (actual == null || !actual.includes(x)) fail(`to include ${JSON.stringify(x)}`); return chain; },
    a(type) {
      const t = Array.isArray(actual) ? "array" : actual === null ? "null" : typeof actual;
      if (t !== type) fail(`to be a ${type}`);
      return chain;
    },
  };
  chain.an = chain.a;
  chain.to = chain.be = chain.have = chain;
  return chain;
}

function authHeader(auth) {
  if (!auth || auth.type === "noauth") return null;
  const field = (k) => fill((auth[auth.type].find((e) => e.key === k) || {}).value || "");
  if (auth.type === "bearer") return `Bearer ${field("token")}`;
  if (auth.type === "basic") return `Basic ${Buffer.from(`${field("username")}:${field("password")}`).toString("base64")}`;
  throw new Error(`auth type ${auth.type} is not supported here`);
}

// The request's URL: :path variables (url.variable) filled in and encoded, then {{variables}}.
function urlOf(u) {
  let raw = u.raw;
  for (const v of u.variable || []) {
    raw = raw.replace(new RegExp(`/:${v.key}(?=[/?#]|$)`), () => `/${encodeURIComponent(fill(v.value))}`);
  }
  return fill(raw);
}

async function run(item, inherited, out) {
  if (item.item) {
    for (const child of item.item) await run(child, item.auth || inherited, out);
    return;
  }
  const r = item.request;
  const headers = {};
  for (const h of r.header || []) if (!h.disabled) headers[h.key] = fill(h.value);
  const auth = authHeader(r.auth || inherited);
  if (auth) headers.Authorization = auth;
  let body;
  if (r.body && r.body.mode === "raw") body = fill(r.body.raw);
  if (r.body && r.body.mode === "urlencoded") {
    body = new URLSearchParams(r.body.urlencoded.map((e) => [e.key, fill(e.value)])).toString();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  const url = urlOf(r.url);
  const res = await fetch(url, { method: r.method, headers, body });
  const text = await res.text();
  const result = { name: item.name, method: r.method, url, status: res.status, tests: [] };
  const pm = {
    response: {
      code: res.status,
      text: () => text,
      json: () => JSON.parse(text),
      to: { have: { status(code) { if (res.status !== code) throw new Error(`expected status ${code}, got ${res.status}: ${text}`); } } },
    },
    expect,
    test(name, fn) {
      try { fn(); result.tests.push({ name, ok: true }); }
      catch (e) { result.tests.push({ name, ok: false, error: String(e.message || e) }); }
    },
    collectionVariables: { get: (k) => vars.get(k), set: (k, v) => vars.set(k, String(v)) },
    variables: { get: (k) => vars.get(k) },
  };
  for (const ev of item.event || []) {
    if (ev.listen !== "test") continue;
    try { new Function("pm", ev.script.exec.join("\n"))(pm); }
    catch (e) { result.tests.push({ name: "(script)", ok: false, error: String(e.message || e) }); }
  }
  out.push(result);
}

const requests = [];
await run({ item: collection.item }, collection.auth, requests);
console.log(JSON.stringify({ requests }));
