// A real OpenID Connect provider for the test suite: the certified `oidc-provider`
// package, run with its development settings (in-memory storage, generated signing keys,
// its own "devInteractions" sign-in page) on http://127.0.0.1. Nothing here imitates a
// provider: discovery, the authorization code flow with PKCE, ID tokens, userinfo and
// RP-initiated logout are oidc-provider's own.
//
//   node tests/oidc/provider.mjs --port 9000 --client-id audit --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:5000/login/sso/callback \
//     --post-logout-redirect-uri http://127.0.0.1:5000/login \
//     --accounts accounts.json            # and/or --account someone@example.org
//
// Every option may also come from the environment (OIDC_TEST_PORT, OIDC_TEST_CLIENT_ID,
// OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI, OIDC_TEST_POST_LOGOUT_REDIRECT_URI,
// OIDC_TEST_ACCOUNTS).
//
// Accounts: a JSON list of {"email", "email_verified" (default true), "sub" (default
// "sub-" + email), "name", "login" (what one types on the sign-in page; default the
// email)}. The file is read again at every look-up, so a test can change an account
// between two sign-ins. `--account EMAIL` adds a verified account from the command line.
//
// The sign-in page (devInteractions) takes the login and any password: proving a
// password is the provider's business, not what the app under test checks. Consent is
// granted at once for the one client (a first-party client, as with a company's own
// identity provider), so signing in is one form.
//
// oidc-provider accepts an http issuer; what it would want in production (https behind a
// proxy, a real adapter, persistent keys, its own interaction pages) is left out on
// purpose: this runs only on the loopback address, for one test run.

import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.OIDC_TEST_PORT },
    'client-id': { type: 'string', default: process.env.OIDC_TEST_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.OIDC_TEST_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    accounts: { type: 'string', default: process.env.OIDC_TEST_ACCOUNTS },
    account: { type: 'string', multiple: true },
  },
});

function fail(message) {
  console.error(`provider.mjs: ${message}`);
  process.exit(2);
}

const fromEnv = (name) => (process.env[name] ? process.env[name].split(/\s+/) : []);
const redirectUris = args['redirect-uri'] ?? fromEnv('OIDC_TEST_REDIRECT_URI');
const postLogoutRedirectUris = args['post-logout-redirect-uri']
  ?? fromEnv('OIDC_TEST_POST_LOGOUT_REDIRECT_URI');
if (!args.port) fail('--port is required');
if (!args['client-id'] || !args['client-secret']) fail('--client-id and --client-secret are required');
if (!redirectUris.length) fail('at least one --redirect-uri is required');

function normalise(account) {
  if (!account.email && !account.login) fail(`an account needs an email: ${JSON.stringify(account)}`);
  return {
    login: account.login ?? account.email,
    sub: account.sub ?? `sub-${account.email ?? account.login}`,
    email: account.email,
    email_verified: account.email_verified ?? true,
    name: account.name ?? account.email,
  };
}

function accounts() {
  const listed = (args.account ?? []).map((email) => ({ email }));
  const fromFile = args.accounts ? JSON.parse(readFileSync(args.accounts, 'utf8')) : [];
  return [...listed, ...fromFile].map(normalise);
}

const issuer = `http://${args.host}:${args.port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // PKCE on every request, so a client that forgot it cannot pass.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // The login typed on the sign-in page is the account id; the subject is the account's.
  async findAccount(ctx, id) {
    const account = accounts().find((candidate) => candidate.login === id || candidate.sub === id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: account.sub, name: account.name };
        if (account.email != null) {
          claims.email = account.email;
          claims.email_verified = account.email_verified;
        }
        return claims;
      },
    };
  },
  // A first-party client: consent is granted at once, without a second page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});

// The provider's own pages import a web font from the internet. Tests run offline and load
// nothing from outside this machine, so that import is taken out of every page.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
  }
});

const server = provider.listen(Number(args.port), args.host, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
