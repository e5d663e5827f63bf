/**
 * The console under test: a real service listening on 127.0.0.1:0 over a demo population (on either
 * store), a demo issuer the persona picker signs with (the API trusts it too), a controllable clock,
 * and Debian's Chromium driven by playwright-core with axe-core injected for WCAG 2.2 AA checks.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildService, type Service } from '../../src/server.ts';
import { generatePopulation } from '../../src/population/generate.ts';
import { demoPersonas, type Persona } from '../../src/population/personas.ts';
import { demoToken } from '../../src/identity/demo-tokens.ts';
import type { StoreKind } from '../support/stores.ts';
import { makeIssuer, testConfig } from '../support/app.ts';
import type { DemoIssuer } from '../../src/identity/demo-issuer.ts';

const require = createRequire(import.meta.url);

export interface ConsoleWorld {
  url: string;
  service: Service;
  issuer: DemoIssuer;
  clock: { now: Date };
  personas: Persona[];
  /** An API token for a persona, as the demo prints them. */
  tokenFor(key: string): string;
  close(): Promise<void>;
}

/** `demo: false`: no persona picker (production sign-in only, with the NTK_OIDC_* of `env`). */
export async function startConsole(kind: StoreKind, options: { demo?: boolean; env?: Record<string, string> } = {}): Promise<ConsoleWorld> {
  const store = await kind.open();
  const issuer = makeIssuer();
  const clock = { now: new Date() };
  const service = await buildService(testConfig(options.env), {
    store, issuers: [issuer.trusted], demoIssuer: options.demo === false ? undefined : issuer, log: pino({ level: 'silent' }), now: () => clock.now,
    prepare: async (s) => void (await generatePopulation(s, { children: 1_500, seed: 7 })),
  });
  const personas = await demoPersonas(store);
  const server: Server = await new Promise((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    service, issuer, clock, personas,
    tokenFor(key) {
      const p = personas.find((x) => x.key === key)!;
      return demoToken(issuer, service.services.policy.current.roles, p.productRole, { userId: p.userId, name: p.name, orgCode: p.orgCode ?? '', workgroups: p.workgroups, activities: p.activityCodes });
    },
    async close() {
      await new Promise((r) => server.close(r));
      await service.close();
      await store.close();
    },
  };
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error("the console tests drive Debian's Chromium at /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)");
  }
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const axeSource = readFileSync(require.resolve('axe-core'), 'utf8');

/**
 * axe-core in the page: the WCAG 2.0/2.1/2.2 A and AA violations (ids and the first offending node).
 * Evaluated through the DevTools protocol rather than page.addScriptTag: our CSP (rightly) refuses the
 * inline script tag, and bypassing the CSP for the test would hide a page that needs one.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(c: unknown, o: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes[0]?.target)}`);
  });
}

/** Signs in through the persona picker (with the mouse; the keyboard journey does it by keys). */
export async function signInAs(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/console/sign-in`);
  await page.getByLabel(name).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/console`);
}

const SHOTS = new URL('../../docs/console/', import.meta.url).pathname;

/**
 * Every console page a test visits: zero axe violations, and nothing the CSP would have to block (no inline
 * script, style element or style attribute). With NTK_CONSOLE_SCREENSHOTS=1 (PGlite run) the page's
 * screenshot is saved under docs/console/ as `name`.png.
 */
export async function checkPage(page: Page, kind: StoreKind, name: string): Promise<void> {
  expect(await axeViolations(page), name).toEqual([]);
  expect(await page.locator('script:not([src]), style, [style]').count(), name).toBe(0);
  if (process.env.NTK_CONSOLE_SCREENSHOTS === '1' && kind.name === 'pglite') {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
  }
}
