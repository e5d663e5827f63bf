/**
 * Production sign-in against a real OpenID provider (the `oidc-provider` package, listening on a
 * loopback port in this test): authorization code with PKCE, CIS2-shaped claims in the ID token, and
 * the signed-in user gets the role the API would give the same claims. No persona picker here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { axeViolations, launchChromium, startConsole, type ConsoleWorld } from './support.ts';

const CLIENT = { id: 'ntk-console', secret: 'a-client-secret-of-some-length-for-the-test' };

describe.each(storeKinds)('console sign-in with OpenID Connect: $name', (kind) => {
  let idp: Server;
  let issuerUrl: string;
  let world: ConsoleWorld;
  let browser: Browser;
  let provider: Provider | undefined;

  beforeAll(async () => {
    // The provider's address must be known before the console's configuration, and the console's before the provider's client.
    idp = createServer((req, res) => (provider ? provider.callback()(req, res) : res.writeHead(503).end()));
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    issuerUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    world = await startConsole(kind, {
      demo: false,
      env: { NTK_OIDC_ISSUER: issuerUrl, NTK_OIDC_CLIENT_ID: CLIENT.id, NTK_OIDC_CLIENT_SECRET: CLIENT.secret, NTK_OIDC_REDIRECT_URI: 'http://127.0.0.1:1/console/auth/callback' },
    });
    const redirectUri = `${world.url}/console/auth/callback`;
    // The console's own address is known only now that it listens (the same config object the sign-in reads).
    world.service.services.config.oidc!.redirectUri = redirectUri;
    // The IG officer persona as CIS2 would describe her: her RBAC roles and the one she selected.
    const ig = world.personas.find((p) => p.key === 'ig-officer')!;
    provider = new Provider(issuerUrl, {
      clients: [{ client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
      scopes: ['openid', 'profile', 'nationalrbacaccess', 'selectedrole'],
      claims: { openid: ['sub'], profile: ['name'], nationalrbacaccess: ['nhsid_nrbac_roles'], selectedrole: ['selected_roleid'] },
      conformIdTokenClaims: false,
      cookies: { keys: ['test-cookie-key-for-the-provider'] },
      findAccount: async (_ctx, id) => ({
        accountId: id,
        claims: async () => ({
          sub: id, name: ig.name, selected_roleid: ig.personRoleId,
          nhsid_nrbac_roles: [{ person_roleid: ig.personRoleId, org_code: ig.orgCode, role_code: ig.roleCode, activity_codes: ig.activityCodes, workgroups_codes: ig.workgroups }],
        }),
      }),
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await new Promise((r) => idp?.close(r));
  });

  it('signs in through the provider with PKCE and maps the ID token\'s CIS2 role as the API does', async () => {
    const ig = world.personas.find((p) => p.key === 'ig-officer')!;
    const context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    const authorizeUrls: string[] = [];
    page.on('request', (r) => { if (r.url().startsWith(`${issuerUrl}/auth`)) authorizeUrls.push(r.url()); });
    await page.goto(`${world.url}/console/sign-in`);
    expect(await page.locator('input[name=persona]').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Sign in with NHS CIS2' }).click();
    // The provider's own (development) login and consent pages.
    await page.locator('input[name=login]').fill(ig.userId);
    await page.locator('input[name=password]').fill('any');
    await page.locator('button[type=submit]').click();
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${world.url}/console`);
    const auth = new URL(authorizeUrls[0]);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(await page.locator('.ntk-account__who').textContent()).toContain(`${ig.name} (ig-officer)`);
    await expect(page.getByRole('link', { name: 'Break-glass review' }).count()).resolves.toBe(1);
    await context.close();
  });

  it('refuses a callback that does not belong to a sign-in in progress', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${world.url}/console/auth/callback?code=forged&state=forged`);
    expect(response!.status()).toBe(401);
    await context.close();
  });
});
