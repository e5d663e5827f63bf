/**
 * What a person typed survives their session ending, for them only; and the console's what-if draws on
 * the same per-user explain limit as POST /v1/authorise:explain. In a real browser, on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { axeViolations, launchChromium, signInAs, startConsole, type ConsoleWorld } from './support.ts';

describe.each(storeKinds)('console, ended sessions and limits: $name', (kind) => {
  let world: ConsoleWorld;
  let browser: Browser;
  const persona = (key: string) => world.personas.find((p) => p.key === key)!;

  beforeAll(async () => {
    world = await startConsole(kind, { env: { NTK_RATE_LIMITS: 'explain=3' } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('keeps a what-if typed into a session that then ended, and offers it back to the same officer after sign-in', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('request', (r) => visited.push(r.url()));
    const ig = persona('ig-officer');
    const hv = persona('health-visitor');
    await signInAs(page, world.url, ig.name);
    await page.goto(`${world.url}/console/what-if`);
    await page.getByLabel('Staff id').fill(hv.userId);
    await page.getByLabel('Role they would select').selectOption({ label: `health-visitor (${hv.roleCode})` });
    await page.getByLabel('Child\'s NHS number').fill(hv.canRead!);
    await page.getByLabel('Section').selectOption('health-visiting');
    // Sixteen minutes at lunch, then the button: the session has ended and nothing is explained.
    world.clock.now = new Date(world.clock.now.getTime() + 16 * 60_000);
    const explainedBefore = await world.service.services.store.query<{ n: string }>(`select count(*) as n from audit_events where kind = 'decision' and actor = $1`, [ig.userId]);
    await page.getByRole('button', { name: 'Explain the decision' }).click();
    await page.waitForURL(`${world.url}/console/sign-in?expired=1`);
    await page.getByLabel(ig.name).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${world.url}/console/resume`);
    expect(await axeViolations(page)).toEqual([]);
    await expect(page.locator('main').textContent()).resolves.toContain(hv.canRead!);
    const explainedMeanwhile = await world.service.services.store.query<{ n: string }>(`select count(*) as n from audit_events where kind = 'decision' and actor = $1`, [ig.userId]);
    expect(explainedMeanwhile.rows[0].n).toBe(explainedBefore.rows[0].n);
    await page.getByRole('button', { name: 'Send it again' }).click();
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toBe('health-visiting: Permitted');
    // Shown once: the kept form is gone afterwards.
    await page.goto(`${world.url}/console/resume`);
    expect(page.url()).toBe(`${world.url}/console`);
    expect(visited.filter((u) => u.includes(hv.canRead!))).toEqual([]);
    await context.close();
  });

  it('does not show a kept form to someone else who signs in on the same browser', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    const hv = persona('health-visitor');
    await signInAs(page, world.url, persona('ig-officer').name);
    await page.goto(`${world.url}/console/what-if`);
    await page.getByLabel('Staff id').fill(hv.userId);
    await page.getByLabel('Child\'s NHS number').fill(hv.canRead!);
    world.clock.now = new Date(world.clock.now.getTime() + 16 * 60_000);
    await page.getByRole('button', { name: 'Explain the decision' }).click();
    await page.waitForURL(`${world.url}/console/sign-in?expired=1`);
    await page.getByLabel(persona('safeguarding-lead').name).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${world.url}/console`);
    await page.goto(`${world.url}/console/resume`);
    expect(page.url()).toBe(`${world.url}/console`);
    await expect(page.locator('body').textContent()).resolves.not.toContain(hv.canRead!);
    await context.close();
  });

  it('refuses the what-if past the per-user explain limit, keeping what was typed, and the API shares the limit', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    const officer = persona('ig-officer');
    const hv = persona('health-visitor');
    await signInAs(page, world.url, officer.name);
    const explainOnce = async () => {
      await page.goto(`${world.url}/console/what-if`);
      await page.getByLabel('Staff id').fill(hv.userId);
      await page.getByLabel('Role they would select').selectOption({ label: `health-visitor (${hv.roleCode})` });
      await page.getByLabel('Child\'s NHS number').fill(hv.canRead!);
      await page.getByLabel('Section').selectOption('health-visiting');
      await page.getByRole('button', { name: 'Explain the decision' }).click();
      await page.locator('h1').waitFor();
    };
    const statuses: number[] = [];
    page.on('response', (r) => { if (r.url().endsWith('/console/what-if') && r.request().method() === 'POST') statuses.push(r.status()); });
    // The API takes from the same bucket as the console.
    const api = await request(world.service.app).post('/v1/authorise:explain').set('authorization', `Bearer ${world.tokenFor('ig-officer')}`)
      .send({ user: hv.userId, roleCode: hv.roleCode, child: hv.canRead, sections: ['health-visiting'], purposeOfUse: 'TREAT' });
    expect([200, 429]).toContain(api.status);
    for (let i = 0; i < 4 && !statuses.includes(429); i++) await explainOnce();
    expect(statuses).toContain(429);
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('more explanations this minute');
    await expect(page.getByLabel('Child\'s NHS number').inputValue()).resolves.toBe(hv.canRead);
    expect(await axeViolations(page)).toEqual([]);
    const refused = await request(world.service.app).post('/v1/authorise:explain').set('authorization', `Bearer ${world.tokenFor('ig-officer')}`)
      .send({ user: hv.userId, roleCode: hv.roleCode, child: hv.canRead, sections: ['health-visiting'], purposeOfUse: 'TREAT' });
    expect(refused.status).toBe(429);
    await context.close();
  });
});
