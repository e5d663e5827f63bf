/**
 * The console in a real browser (Debian's Chromium), on both stores: each persona's journey, axe-core
 * on every page (WCAG 2.2 AA, zero violations), a tampered form refused (the break-glass review with
 * the keyboard only is in break-glass.test.ts), roles kept to their screens, and the session's timeouts and cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { launchChromium, signInAs, startConsole, type ConsoleWorld, checkPage } from './support.ts';


describe.each(storeKinds)('console: $name', (kind) => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let breakGlassId: string;
  /** Every URL the IG officer's browser asked for. */
  const visited: string[] = [];
  const persona = (key: string) => world.personas.find((p) => p.key === key)!;

  const check = (name: string) => checkPage(page, kind, name);

  beforeAll(async () => {
    world = await startConsole(kind);
    browser = await launchChromium();
    // The health visitor declares a break-glass on a child she cannot otherwise read, and reads under it.
    const hv = persona('health-visitor');
    const api = request(world.service.app);
    const declared = await api.post('/v1/break-glass').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ child: hv.cannotRead, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Brought to clinic unwell, record needed now' });
    expect(declared.status).toBe(201);
    breakGlassId = declared.body.id;
    const read = await api.post('/v1/authorise').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ child: hv.cannotRead, sections: ['immunisations'], action: 'read', purposeOfUse: 'BTG', breakGlassId });
    expect(read.body.decisions[0].decision).toBe('permit');
    const own = await api.post('/v1/authorise').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ child: hv.canRead, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT' });
    expect(own.body.decisions[0].decision).toBe('permit');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('signs an IG officer in with the persona picker, under a strict CSP, no-store and a Strict HttpOnly cookie', async () => {
    context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    context.on('request', (r) => visited.push(r.url()));
    page = await context.newPage();
    const signIn = await page.goto(`${world.url}/console/sign-in`);
    expect(signIn!.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(signIn!.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(signIn!.headers()['cache-control']).toBe('no-store');
    await check('sign-in');
    await signInAs(page, world.url, persona('ig-officer').name);
    const cookie = (await context.cookies()).find((c) => c.name === 'ntk')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('needtoknow console');
    await check('home');
  });

  it('shows an IG officer who read a child, in plain words, after a POSTed search (no NHS number in any URL)', async () => {
    const hv = persona('health-visitor');
    await page.getByRole('link', { name: 'Child access report' }).click();
    await check('access-report-search');
    await page.getByRole('button', { name: 'Show the report' }).click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('Enter a valid 10-digit NHS number');
    await check('access-report-error');
    await page.getByLabel('NHS number').fill(hv.canRead!);
    await page.getByRole('button', { name: 'Show the report' }).click();
    const table = await page.locator('table').first().textContent();
    expect(table).toContain(hv.name);
    expect(table).toMatch(/caseload/);
    expect(page.url()).not.toContain(hv.canRead!);
    await check('access-report');
    // The console's search is on the trail, as the API call's is.
    const trail = await world.service.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and child = $1`, [hv.canRead]);
    expect(trail.rows.map((r) => JSON.parse(r.body).details.query)).toContain('access-report');
  });

  it('refuses a tampered form (wrong CSRF token) with 403 and changes nothing', async () => {
    await page.goto(`${world.url}/console/break-glass/${breakGlassId}`);
    await page.getByLabel('Appropriate', { exact: true }).check();
    await page.getByLabel('Notes').fill('tampered');
    await page.locator('#maincontent input[name=_csrf]').evaluate((el) => el.setAttribute('value', 'not-the-token'));
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Record the review' }).click()]);
    expect(response.status()).toBe(403);
    const row = await world.service.services.store.query<{ review_status: string }>('select review_status from break_glass where id = $1', [breakGlassId]);
    expect(row.rows[0].review_status).toBe('pending-review');
  });

  it('shows the alert inbox (the break-glass raised one) and acknowledges an alert', async () => {
    await page.goto(`${world.url}/console/alerts`);
    const card = page.locator('.nhsuk-card', { hasText: 'break-glass' }).first();
    await expect(card.textContent()).resolves.toContain('New');
    await check('alerts');
    await card.getByLabel(/Note \(optional\)/).fill('Seen; reviewed in the break-glass queue.');
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await page.waitForURL('**/console/alerts?done=acknowledged');
    const acked = await world.service.services.store.query<{ acknowledged_by: string; acknowledge_note: string }>(
      'select acknowledged_by, acknowledge_note from alerts where acknowledged_at is not null');
    expect(acked.rows).toEqual([{ acknowledged_by: persona('ig-officer').userId, acknowledge_note: 'Seen; reviewed in the break-glass queue.' }]);
    await check('alerts-acknowledged');
  });

  it('shows an IG officer who can see a child, and a user\'s reach, after POSTed searches', async () => {
    const hv = persona('health-visitor');
    await page.goto(`${world.url}/console/exposure`);
    await check('exposure-search');
    await page.getByLabel('NHS number').fill(hv.canRead!);
    await page.getByRole('button', { name: 'Show who can see this child' }).click();
    await expect(page.locator('table').textContent()).resolves.toContain(hv.name);
    expect(page.url()).toBe(`${world.url}/console/exposure`);
    await check('exposure');
    await page.getByLabel('Staff id').fill(hv.userId);
    await page.getByRole('button', { name: 'Show this user\'s reach' }).click();
    await expect(page.getByRole('heading', { level: 2, name: new RegExp(`${hv.userId} can read \\d+ children`) }).count()).resolves.toBe(1);
    await check('reach');
  });

  it('explains what a health visitor would be decided for a child on her caseload (what-if)', async () => {
    const hv = persona('health-visitor');
    await page.goto(`${world.url}/console/what-if`);
    await page.getByRole('button', { name: 'Explain the decision' }).click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('Enter the staff id of the user');
    await check('what-if-error');
    await page.getByLabel('Staff id').fill(hv.userId);
    await page.getByLabel('Role they would select').selectOption({ label: `health-visitor (${hv.roleCode})` });
    await page.getByLabel('Child\'s NHS number').fill(hv.canRead!);
    await page.getByLabel('Section').selectOption('health-visiting');
    await page.getByRole('button', { name: 'Explain the decision' }).click();
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toBe('health-visiting: Permitted');
    await check('what-if');
  });

  it('lets an IG officer work a monitoring case: queue, case, assign to herself, note, close', async () => {
    // The health visitor probes six children outside her area; one monitoring round opens a probing case.
    const hv = persona('health-visitor');
    const others = await world.service.services.store.query<{ nhs_number: string }>(
      'select nhs_number from children where area <> (select area from orgs where code = $1) order by nhs_number limit 6', [hv.orgCode]);
    for (const { nhs_number: child } of others.rows) {
      const r = await request(world.service.app).post('/v1/authorise').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
        .send({ child, sections: ['demographics'], action: 'read', purposeOfUse: 'TREAT' });
      expect(r.body.decisions[0].decision).toBe('deny');
    }
    await world.service.services.monitoring.drain();
    await page.goto(`${world.url}/console/monitoring`);
    await check('monitoring-queue');
    await page.getByRole('link', { name: `Open the probing case about ${hv.userId}` }).first().click();
    const caseUrl = page.url();
    await check('monitoring-case');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await expect(page.locator('.nhsuk-summary-list').textContent()).resolves.toContain(`assigned (${persona('ig-officer').userId})`);
    await page.getByRole('button', { name: 'Add the note' }).click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('Enter a note');
    await page.getByLabel('Add a note').fill('Spoke to the team manager: a mistyped search list.');
    await page.getByRole('button', { name: 'Add the note' }).click();
    await expect(page.locator('.nhsuk-list').textContent()).resolves.toContain('mistyped search list');
    await page.getByLabel('Appropriate', { exact: true }).check();
    await page.getByRole('button', { name: 'Close the case' }).click();
    expect(page.url()).toBe(caseUrl);
    await expect(page.locator('.nhsuk-summary-list').textContent()).resolves.toContain('appropriate');
    await check('monitoring-case-closed');
    const id = caseUrl.split('/').pop();
    const row = await world.service.services.store.query<{ status: string; outcome: string }>('select status, outcome from monitoring_cases where id = $1', [id]);
    expect(row.rows[0]).toEqual({ status: 'closed', outcome: 'appropriate' });
  });

  it('signs out, and the old cookie no longer works', async () => {
    await page.goto(`${world.url}/console`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/console/sign-in');
    await page.goto(`${world.url}/console/alerts`);
    expect(page.url()).toContain('/console/sign-in');
    await context.close();
    // After a whole IG session of searches: no NHS number (999 test range) in any URL the browser asked for.
    expect(visited.length).toBeGreaterThan(20);
    expect(visited.filter((u) => /999\d{7}/.test(u))).toEqual([]);
  });

  it('keeps a health visitor out of IG screens (403 page) and ends a session idle for 15 minutes', async () => {
    context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    await signInAs(page, world.url, persona('health-visitor').name);
    const refused = await page.goto(`${world.url}/console/break-glass`);
    expect(refused!.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('You do not have access');
    await check('forbidden');
    world.clock.now = new Date(world.clock.now.getTime() + 16 * 60_000);
    await page.goto(`${world.url}/console`);
    expect(page.url()).toContain('/console/sign-in?expired=1');
    await context.close();
  });
});
