/**
 * The parent-safe access report, its printed page and PDF, and the staff activity screen, in a real
 * browser on both stores: axe on every new page (zero violations), no NHS number or staff id in any
 * URL, the PDF downloaded by POST as a no-store attachment, and a tampered CSRF token refused.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { pdfText } from '../support/pdf-text.ts';
import { launchChromium, signInAs, startConsole, type ConsoleWorld, checkPage } from './support.ts';

const READS = 30;

describe.each(storeKinds)('console access reports: $name', (kind) => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const visited: string[] = [];
  const persona = (key: string) => world.personas.find((p) => p.key === key)!;
  const day = (offset: number) => new Date(world.clock.now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const lastAuditQuery = async () => {
    const { rows } = await world.service.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' order by seq desc limit 1`, []);
    return JSON.parse(rows[0].body) as { child?: string; details: { query: string; filters: Record<string, unknown> } };
  };

  const check = (name: string) => checkPage(page, kind, name);

  beforeAll(async () => {
    world = await startConsole(kind);
    browser = await launchChromium();
    const hv = persona('health-visitor');
    const api = request(world.service.app);
    const authorise = (body: Record<string, unknown>) => api.post('/v1/authorise').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ action: 'read', purposeOfUse: 'TREAT', ...body });
    // A read of her own caseload child with a refused safeguarding section; then, under a break-glass on
    // another child, enough reads for two pages of activity.
    const first = await authorise({ child: hv.canRead, sections: ['health-visiting', 'safeguarding'] });
    expect(first.body.decisions.map((d: { decision: string }) => d.decision)).toEqual(['permit', 'deny']);
    const declared = await api.post('/v1/break-glass').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ child: hv.cannotRead, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Brought to clinic unwell, record needed now' });
    expect(declared.status).toBe(201);
    for (let i = 0; i < READS; i++) {
      const bg = await authorise({ child: hv.cannotRead, sections: ['immunisations', 'screening'], purposeOfUse: 'BTG', breakGlassId: declared.body.id });
      expect(bg.body.decisions.map((d: { decision: string }) => d.decision)).toEqual(['permit', 'permit']);
    }
    context = await browser.newContext({ acceptDownloads: true });
    context.setDefaultTimeout(60_000);
    context.on('request', (r) => visited.push(r.url()));
    page = await context.newPage();
    await signInAs(page, world.url, persona('ig-officer').name);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('shows an IG officer the parent-safe report: staff by role and organisation, no refusals, printable without the forms', async () => {
    const hv = persona('health-visitor');
    await page.getByRole('link', { name: 'Child access report' }).click();
    await page.getByLabel('NHS number').fill(hv.canRead!);
    await page.getByLabel('Parent-safe report, for a subject access request').check();
    await page.getByRole('button', { name: 'Show the report' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Who has read this child\'s record' }).count()).resolves.toBe(1);
    const table = (await page.locator('table').textContent())!;
    expect(table).toContain('health visitor');
    expect(table).toContain('health-visiting');
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(table).not.toContain(hv.name);
    expect(table).not.toContain('safeguarding');
    expect(await page.getByRole('heading', { name: 'Refused attempts' }).count()).toBe(0);
    expect(page.url()).toBe(`${world.url}/console/access-report`);
    await check('access-report-parent-safe');
    expect(await lastAuditQuery()).toMatchObject({ child: hv.canRead, details: { query: 'access-report', filters: { view: 'parent-safe', format: 'json' } } });
    // The printed page: print.css leaves out the header, the account bar and every form.
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await page.locator('.nhsuk-header').isVisible()).toBe(false);
      expect(await page.locator('form').evaluateAll((forms) => forms.filter((f) => (f as unknown as { offsetParent: unknown }).offsetParent !== null).length)).toBe(0);
      expect(await page.locator('table').isVisible()).toBe(true);
      expect(await page.locator('main').textContent()).toContain(persona('health-visitor').canRead!.slice(6));
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it('downloads the parent-safe PDF by POST, as a no-store attachment citing the signed checkpoint', async () => {
    const hv = persona('health-visitor');
    await world.service.services.checkpointer.checkpointNow();
    const [response, download] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/console/access-report/pdf')),
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as PDF' }).click(),
    ]);
    expect(response.request().method()).toBe('POST');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="?child-access-report-\d{4}-\d{2}-\d{2}\.pdf"?$/);
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(response.headers()['content-type']).toBe('application/pdf');
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    // The cited checkpoint is one the log signed: its tree size, root hash and origin are on the PDF.
    const size = Number(/Tree size: \n?(\d+)/.exec(text)?.[1]);
    const cp = (await world.service.services.checkpointer.at(size))!;
    expect(text).toContain(cp.rootHash);
    expect(text).toContain(cp.note.split('\n')[0]);
    expect(text).toContain(`Every read listed is among the first ${size} events`);
    expect(text).toContain('health visitor');
    expect(text).not.toContain(hv.name);
    expect(await lastAuditQuery()).toMatchObject({ child: hv.canRead, details: { query: 'access-report', filters: { view: 'parent-safe', format: 'pdf' } } });
  });

  it('refuses the PDF form with a tampered CSRF token (403)', async () => {
    const before = (await lastAuditQuery()).details;
    await page.locator('form[action="/console/access-report/pdf"] input[name=_csrf]').evaluate((el) => el.setAttribute('value', 'not-the-token'));
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Download as PDF' }).click()]);
    expect(response.status()).toBe(403);
    expect(response.headers()['content-type']).toMatch(/text\/html/);
    // Nothing was produced, so nothing was recorded.
    expect((await lastAuditQuery()).details).toEqual(before);
  });

  it('shows what a member of staff read and was refused, in pages, from a POSTed staff id', async () => {
    const hv = persona('health-visitor');
    await page.goto(`${world.url}/console`);
    await page.getByRole('link', { name: 'Staff activity' }).click();
    await check('staff-activity-search');
    await page.getByRole('button', { name: 'Show the activity' }).click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('Enter the staff id of the user');
    await check('staff-activity-error');
    await page.getByLabel('Staff id').fill(hv.userId);
    await page.getByLabel('From').fill(day(-1));
    await page.getByLabel('To (inclusive)').fill(day(1));
    await page.getByRole('button', { name: 'Show the activity' }).click();
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toContain(`${hv.userId}): page 1`);
    const first = (await page.locator('table').textContent())!;
    expect(first).toContain(hv.cannotRead);
    expect(first).toContain('Break-glass');
    expect(first).toContain('emergency access (break-glass)');
    // 50 events, newest first: 25 break-glass requests of two sections each.
    expect(await page.locator('tbody tr').count()).toBe(25);
    expect(page.url()).toBe(`${world.url}/console/staff-activity`);
    await check('staff-activity');
    expect(await lastAuditQuery()).toMatchObject({ details: { query: 'search', filters: { actor: hv.userId, kind: 'decision', limit: 50 } } });
    await page.getByRole('button', { name: 'Next page (older)' }).click();
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toContain('page 2');
    const second = (await page.locator('table').textContent())!;
    expect(second).toContain('Refused');
    expect(second).toContain('no legitimate relationship');
    expect(second).toContain('the child is on the caseload of');
    expect(second).toContain(hv.canRead);
    // 2 + 60 events: 50 on the first page, 12 on the second, nothing after.
    expect(await page.locator('tbody tr').count()).toBe(7);
    expect(await page.getByRole('button', { name: 'Next page (older)' }).count()).toBe(0);
    await check('staff-activity-page-2');
  });

  it('keeps NHS numbers and staff ids out of every URL, and keeps a health visitor out', async () => {
    const hv = persona('health-visitor');
    expect(visited.length).toBeGreaterThan(10);
    expect(visited.filter((u) => /\d{10}/.test(u) || u.includes(hv.userId))).toEqual([]);
    await context.close();
    context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    await signInAs(page, world.url, hv.name);
    expect(await page.getByRole('link', { name: 'Staff activity' }).count()).toBe(0);
    expect((await page.goto(`${world.url}/console/staff-activity`))!.status()).toBe(403);
    await context.close();
  });
});
