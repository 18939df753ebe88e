// oidc-provider on Okta's routes, for tests/oauth.rs.
// Usage: node server.mjs config.json   (prints the port on stdout when ready)
// config.json: { "scopes": [...], "api_upstream"?: fake Okta URL (gets /api/ requests), "api_check"?: bool, "clients": [{ "client_id", "keys"?: [{ "kid", "pem" }],
//   "grant"?: "scope list", "dpop_required"?: bool, "redirect_uris"?: [...] }] }  (a client without keys is a
// public device-flow client; one with keys and redirect_uris is an OIDC web app:
// authorization code + PKCE + refresh token, private key JWT). PEMs may be public or private; only the public half is used.
// A client's "grant" narrows the scopes its tokens get (fewer than requested).
// Other keys: "interval" (device polling interval advertised), "ttl" (access
// token seconds), "device_ttl" (device code seconds), "slow_down" (answer that
// many first token polls with slow_down), "dpop_refused" (refuse any token
// request carrying a DPoP proof, as Okta does for an app without DPoP).
// The web app's sign-in page is /interaction/:uid (a form with a `login` field;
// POST /interaction/:uid/login signs that account in and grants the requested
// scopes, or `action=deny` refuses). Like Okta, offline_access brings a refresh
// token without prompt=consent, and refresh tokens rotate.
// "api_check": true makes the /api/ forwarding behave like Okta's resource
// server: only a live access token of this provider (with a matching proof when
// DPoP-bound) gets through, and the request reaches api_upstream with
// `x-test-okta-account` naming the token's account; anything else is answered
// 401 here and never forwarded.
// Test hooks: GET /test/device?user_code=&action=approve|deny,
// GET /test/whoami (a resource server: checks the Authorization header's access
// token, and for a DPoP-bound one the proof's key, and answers account, client,
// scope, bound),
// GET /test/fail-refresh (refresh grants fail from now on), GET /test/stats
// (every token request: grant, scope asked for, status, error, whether it carried a proof;
// and `issued`: every access, refresh and ID token issued, to check they stay secret).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const server = http.createServer();
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;
const resource = `${issuer}/api`;

const publicJwks = (c) => ({
  keys: c.keys.map((k) => ({ ...crypto.createPublicKey(k.pem).export({ format: 'jwk' }), kid: k.kid })),
});
const clients = cfg.clients.map((c) => c.keys && c.redirect_uris
  ? {
    client_id: c.client_id,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: publicJwks(c),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: c.redirect_uris,
    scope: ['openid', 'profile', 'offline_access', ...cfg.scopes].join(' '),
    dpop_bound_access_tokens: !!c.dpop_required,
  }
  : c.keys
  ? {
    client_id: c.client_id,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: publicJwks(c),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: cfg.scopes.join(' '),
    dpop_bound_access_tokens: !!c.dpop_required,
  }
  : {
    client_id: c.client_id,
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    scope: ['openid', 'profile', 'offline_access', ...cfg.scopes].join(' '),
    dpop_bound_access_tokens: !!c.dpop_required,
  });
const grantOf = Object.fromEntries(cfg.clients.map((c) => [c.client_id, c.grant]));

const provider = new Provider(issuer, {
  clients,
  scopes: ['openid', 'profile', 'offline_access', ...cfg.scopes],
  routes: {
    authorization: '/oauth2/v1/authorize',
    device_authorization: '/oauth2/v1/device/authorize',
    token: '/oauth2/v1/token',
    jwks: '/oauth2/v1/keys',
    code_verification: '/activate',
  },
  features: {
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    devInteractions: { enabled: false },
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, _res, client) => ({
        scope: grantOf[client.clientId] ?? cfg.scopes.join(' '),
        accessTokenFormat: 'opaque',
        accessTokenTTL: cfg.ttl ?? 3600,
      }),
    },
  },
  clientAuthSigningAlgValues: ['RS256', 'ES256'],
  ttl: { DeviceCode: () => cfg.device_ttl ?? 600 },
  findAccount: (ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, preferred_username: `${sub}@example.com`, name: `Person ${sub}` }),
  }),
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  conformIdTokenClaims: false,
  rotateRefreshToken: true,
});
// Test hooks: approve or deny a device code without a browser
// (GET /test/device?user_code=...&action=approve|deny), advertise a short
// polling `interval`, and answer the first `slow_down` token polls with slow_down.
let slowDowns = cfg.slow_down ?? 0;
let failRefresh = false;
const tokenLog = [];
const issued = [];
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/stats') {
    ctx.body = { token: tokenLog, issued };
    return;
  }
  if (ctx.path === '/test/fail-refresh') {
    failRefresh = true;
    ctx.body = 'ok';
    return;
  }
  if (ctx.path !== '/oauth2/v1/token' || ctx.method !== 'POST') {
    await next();
    return;
  }
  const dpop = !!ctx.get('DPoP');
  try {
    await tokenEndpoint(ctx, next, dpop);
  } finally {
    const body = ctx.body && typeof ctx.body === 'object' ? ctx.body : {};
    for (const k of ['access_token', 'refresh_token', 'id_token']) {
      if (typeof body[k] === 'string') issued.push(body[k]);
    }
    tokenLog.push({
      grant: ctx.oidc?.params?.grant_type ?? null,
      scope: ctx.oidc?.params?.scope ?? null,
      status: ctx.status,
      error: (ctx.body && typeof ctx.body === 'object' && ctx.body.error) || null,
      dpop,
    });
  }
});
async function tokenEndpoint(ctx, next, dpop) {
  if (slowDowns > 0) {
    slowDowns -= 1;
    ctx.status = 400;
    ctx.body = { error: 'slow_down' };
    return;
  }
  if (cfg.dpop_refused && dpop) {
    ctx.status = 400;
    ctx.body = { error: 'invalid_dpop_proof', error_description: 'DPoP proof provided but DPoP is not enabled for this client' };
    return;
  }
  await next();
  if (failRefresh && ctx.oidc?.params?.grant_type === 'refresh_token') {
    ctx.status = 400;
    ctx.body = { error: 'invalid_grant', error_description: 'grant request is invalid' };
  }
}
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/device') {
    const code = await provider.DeviceCode.findByUserCode(String(ctx.query.user_code).replace(/[^a-z0-9]/gi, '').toUpperCase());
    if (!code) { ctx.status = 404; return; }
    if (ctx.query.action === 'deny') {
      code.error = 'access_denied';
      code.errorDescription = 'the person denied the request';
    } else {
      const grant = new provider.Grant({ accountId: 'person', clientId: code.clientId });
      grant.addOIDCScope('openid profile offline_access');
      grant.addResourceScope(resource, cfg.device_grant ?? cfg.scopes.join(' '));
      code.grantId = await grant.save();
      code.accountId = 'person';
      code.scope = code.params.scope;
      code.resource = resource;
      code.authTime = Math.floor(Date.now() / 1000);
    }
    await code.save();
    ctx.body = 'ok';
    return;
  }
  await next();
  if (ctx.path === '/oauth2/v1/device/authorize' && cfg.interval && ctx.body && typeof ctx.body === 'object') {
    ctx.body.interval = cfg.interval;
  }
});
// Okta issues a refresh token for offline_access without prompt=consent;
// oidc-provider drops the scope unless consent is prompted: ask for it.
provider.use(async (ctx, next) => {
  if (ctx.path === '/oauth2/v1/authorize' && ctx.method === 'GET') {
    const q = new URLSearchParams(ctx.querystring);
    if ((q.get('scope') ?? '').split(' ').includes('offline_access') && !q.get('prompt')) {
      q.set('prompt', 'consent');
      ctx.querystring = q.toString();
    }
  }
  await next();
});
// The web app's sign-in page, driven by tests with plain HTTP requests.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!m) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = `<form method="post" action="/interaction/${details.uid}/login"><input name="login"><button>Sign in</button></form>`;
    return;
  }
  const form = new URLSearchParams(await new Promise((resolve) => {
    let data = '';
    ctx.req.on('data', (c) => { data += c; });
    ctx.req.on('end', () => resolve(data));
  }));
  let result;
  if (form.get('action') === 'deny' || !form.get('login')) {
    result = { error: 'access_denied', error_description: 'the person did not sign in' };
  } else {
    const accountId = form.get('login');
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    const asked = String(details.params.scope ?? '').split(' ');
    // oidc-provider counts every configured scope as an OpenID one at the
    // authorization endpoint, and the API scopes also go to the resource.
    const api = grantOf[details.params.client_id]?.split(' ') ?? asked.filter((s) => cfg.scopes.includes(s));
    grant.addOIDCScope(asked.filter((s) => ['openid', 'profile', 'offline_access'].includes(s) || api.includes(s)).join(' '));
    grant.addResourceScope(resource, api.join(' '));
    result = { login: { accountId }, consent: { grantId: await grant.save() } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});
// Who does this request's access token stand for? The token record, or why not.
async function tokenOf(req) {
  const [scheme, token] = (req.headers.authorization || ' ').split(' ');
  const at = token ? await provider.AccessToken.find(token) : undefined;
  if (!at) return { error: 'invalid_token' };
  if (at.jkt) {
    const proof = req.headers.dpop;
    let jkt = null;
    try {
      jkt = proof ? await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk) : null;
    } catch { /* not a proof */ }
    if (scheme !== 'DPoP' || jkt !== at.jkt) {
      return { error: 'invalid_token', error_description: 'DPoP-bound token without a matching proof' };
    }
  }
  return { at, scheme };
}
// A resource server for tests: who does this access token stand for?
provider.use(async (ctx, next) => {
  if (ctx.path !== '/test/whoami') {
    await next();
    return;
  }
  const { at, scheme, ...refused } = await tokenOf(ctx.req);
  if (!at) {
    ctx.status = 401;
    ctx.body = refused;
    return;
  }
  ctx.body = { account: at.accountId, client: at.clientId, scope: at.scope, bound: !!at.jkt, scheme };
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
// Okta serves the Management API on the same origin: forward /api/ to the fake.
const oidc = provider.callback();
server.on('request', (req, res) => {
  if (cfg.api_upstream && req.url.startsWith('/api/')) {
    forward(req, res).catch(() => { res.writeHead(502); res.end(); });
    return;
  }
  oidc(req, res);
});
async function forward(req, res) {
  const headers = { ...req.headers };
  delete headers['x-test-okta-account'];
  if (cfg.api_check) {
    const { at, ...refused } = await tokenOf(req);
    if (!at) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorCode: 'E0000011', errorSummary: `Invalid token provided (${refused.error_description ?? refused.error})` }));
      return;
    }
    headers['x-test-okta-account'] = at.accountId;
  }
  const up = new URL(req.url, cfg.api_upstream);
  const fwd = http.request(up, { method: req.method, headers: { ...headers, host: up.host } }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  fwd.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(fwd);
}
console.log(port);
