/**
 * The break-glass and trail integrity screens in a real browser (Debian's Chromium), on both stores: an
 * IG officer reviews a break-glass as "needs follow-up" and later closes the follow-up, with the keyboard
 * only; a safeguarding lead sees, read-only, the break-glass about children of her area and no other; the
 * trail integrity screen's figures, and an export whose four downloads pass `node audit/verify.mjs` run
 * with exactly the flags the screen gives. axe-core (WCAG 2.2 AA) finds nothing on any page, and no NHS
 * number appears in any URL the browsers asked for.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { VERIFIER } from '../audit-tools/support.ts';
import { launchChromium, signInAs, startConsole, type ConsoleWorld, checkPage } from './support.ts';


describe.each(storeKinds)('console break-glass and trail integrity: $name', (kind) => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** A break-glass on a child of the lead's area (reviewed, then followed up) and one elsewhere. */
  let inArea: string;
  let elsewhere: string;
  const visited: string[] = [];
  const persona = (key: string) => world.personas.find((p) => p.key === key)!;
  const query = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => world.service.services.store.query<T>(sql, params).then((r) => r.rows);

  const check = (name: string) => checkPage(page, kind, name);
  async function newPage(personaKey: string) {
    context = await browser.newContext({ acceptDownloads: true });
    context.setDefaultTimeout(60_000);
    context.on('request', (r) => visited.push(r.url()));
    page = await context.newPage();
    await signInAs(page, world.url, persona(personaKey).name);
  }
  /** Presses Tab until `target` has the focus (the keyboard journey never clicks). */
  async function tabTo(target: ReturnType<Page['locator']>) {
    for (let i = 0; i < 60; i++) {
      if (await target.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error('could not reach the element with Tab');
  }

  beforeAll(async () => {
    world = await startConsole(kind);
    browser = await launchChromium();
    const lead = persona('safeguarding-lead');
    const [{ area }] = await query<{ area: string }>(`select area from teams where id = any($1) and kind = 'safeguarding' limit 1`, [lead.workgroups]);
    const [a] = await query<{ nhs_number: string }>('select nhs_number from children where area = $1 order by nhs_number limit 1', [area]);
    const [b] = await query<{ nhs_number: string }>('select nhs_number from children where area <> $1 order by nhs_number limit 1', [area]);
    const api = request(world.service.app);
    const hv = `Bearer ${world.tokenFor('health-visitor')}`;
    const declare = async (child: string) => {
      const r = await api.post('/v1/break-glass').set('authorization', hv).send({ child, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Brought to clinic unwell, record needed now' });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    inArea = await declare(a.nhs_number);
    elsewhere = await declare(b.nhs_number);
    const read = await api.post('/v1/authorise').set('authorization', hv)
      .send({ child: a.nhs_number, sections: ['immunisations'], action: 'read', purposeOfUse: 'BTG', breakGlassId: inArea });
    expect(read.body.decisions[0].decision).toBe('permit');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('lets an IG officer review a break-glass as needing follow-up, then close the follow-up, with the keyboard only', async () => {
    await newPage('ig-officer');
    await check('home');
    await page.goto(`${world.url}/console/break-glass`);
    await check('break-glass-queue');
    await tabTo(page.locator(`a[href="/console/break-glass/${inArea}"]`));
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/console/break-glass/${inArea}`);
    await expect(page.locator('table').last().textContent()).resolves.toContain('immunisations');
    // Submitting empty shows the errors in the NHS pattern.
    await page.getByRole('button', { name: 'Record the review' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.nhsuk-error-summary');
    await check('break-glass-review-error');
    // "Needs follow-up" without saying what is to be done is refused too; what was chosen and typed is kept.
    await page.getByLabel('Needs follow-up', { exact: true }).focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.type('No emergency recorded in the clinic notes yet.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    // The answer is a new page at the same URL: wait for its load, not for a URL the old page already has.
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('Enter what needs to be done');
    await check('break-glass-review-follow-up-error');
    await expect(page.getByLabel('Needs follow-up', { exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Notes').inputValue()).resolves.toBe('No emergency recorded in the clinic notes yet.');
    // Tab from the chosen radio: the notes, then what needs to be done, then the button.
    await page.getByLabel('Needs follow-up', { exact: true }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).resolves.toBe('followUp');
    await page.keyboard.type('Ask the clinic manager to confirm the attendance.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/break-glass?done=follow-up');
    await expect(page.locator('.nhsuk-notification-banner').textContent()).resolves.toContain('the follow-up is open');
    let [row] = await query<{ outcome: string; follow_up: string; follow_up_status: string; notes: string }>(
      'select outcome, follow_up, follow_up_status, notes from break_glass where id = $1', [inArea]);
    expect(row).toEqual({ outcome: 'follow-up', follow_up: 'Ask the clinic manager to confirm the attendance.', follow_up_status: 'open', notes: 'No emergency recorded in the clinic notes yet.' });

    // The follow-up queue, by its filter link, then the follow-up closed.
    await tabTo(page.getByRole('link', { name: 'Follow-up open' }));
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/break-glass?view=follow-up');
    await check('break-glass-follow-up-queue');
    await tabTo(page.getByRole('link', { name: /Close the follow-up/ }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/console/break-glass/${inArea}`);
    await check('break-glass-follow-up');
    await page.getByLabel('Appropriate', { exact: true }).focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.type('The clinic manager confirmed the child was brought in unwell.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/break-glass?view=follow-up-closed&done=closed');
    await expect(page.locator('table').textContent()).resolves.toContain('Follow-up closed: appropriate');
    await check('break-glass-follow-up-closed');
    [row] = await query('select follow_up_status, follow_up_outcome, follow_up_note, follow_up_closed_by from break_glass where id = $1', [inArea]);
    expect(row).toEqual({ follow_up_status: 'closed', follow_up_outcome: 'appropriate', follow_up_note: 'The clinic manager confirmed the child was brought in unwell.', follow_up_closed_by: persona('ig-officer').userId });
    const events = await query<{ kind: string }>(`select kind from audit_events where kind in ('break-glass-review', 'break-glass-follow-up-close') and body like $1`, [`%${inArea}%`]);
    expect(events.map((e) => e.kind).sort()).toEqual(['break-glass-follow-up-close', 'break-glass-review']);
    // Filters by overdue and reviewed render too.
    await page.goto(`${world.url}/console/break-glass?view=overdue`);
    await expect(page.locator('main').textContent()).resolves.toContain('No break-glass is overdue');
    await check('break-glass-overdue');
  });

  it('shows an IG officer the trail integrity and gives an export that verify.mjs accepts with the flags the screen shows', async () => {
    await page.goto(`${world.url}/console`);
    await page.getByRole('link', { name: 'Trail integrity' }).click();
    await page.waitForURL('**/console/trail-integrity');
    const main = (await page.locator('main').textContent())!;
    expect(main).toContain('The audit trail is proved');
    expect(main).toMatch(/Events it covers\s*\d+/);
    expect(main).toContain('No witnesses are configured');
    await check('trail-integrity');

    const dir = mkdtempSync(path.join(tmpdir(), 'ntk-console-export-'));
    const download = async (button: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      await file.saveAs(path.join(dir, file.suggestedFilename()));
      return file.suggestedFilename();
    };
    const events = await download('Download the events (NDJSON)');
    const range = await download('Download the range proof (sidecar)');
    expect(await download('Download the checkpoints (checkpoints.log)')).toBe('checkpoints.log');
    expect(await download('Download the signing keys (keys.json)')).toBe('keys.json');
    const command = (await page.locator('main code', { hasText: 'node audit/verify.mjs' }).textContent())!.trim().split(/\s+/);
    expect(command.slice(0, 2)).toEqual(['node', 'audit/verify.mjs']);
    expect(command).toEqual(expect.arrayContaining([events, range]));
    expect(readFileSync(path.join(dir, range), 'utf8')).toContain('needtoknow-range/v1');
    const run = spawnSync(process.execPath, [VERIFIER, ...command.slice(2)], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    // Each download is on the trail as its API call is.
    const queries = await query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = $1`, [persona('ig-officer').userId]);
    expect(queries.map((q) => JSON.parse(q.body).details.query)).toEqual(expect.arrayContaining(['integrity', 'export', 'range-proof', 'checkpoints']));

    // A range beyond the trail comes back with the NHS error pattern.
    await page.getByLabel('Event number to stop before').fill('99999999');
    await page.getByRole('button', { name: 'Download the events (NDJSON)' }).click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('not beyond the trail');
    await check('trail-integrity-error');
    await context.close();
  });

  it('shows a safeguarding lead, read-only, the break-glass about children of her area and no other', async () => {
    await newPage('safeguarding-lead');
    await page.getByRole('link', { name: 'Break-glass in your area' }).click();
    await page.waitForURL('**/console/break-glass');
    expect(await page.locator(`a[href="/console/break-glass/${inArea}"]`).count()).toBe(1);
    expect(await page.locator(`a[href="/console/break-glass/${elsewhere}"]`).count()).toBe(0);
    await check('break-glass-lead');
    await page.locator(`a[href="/console/break-glass/${inArea}"]`).click();
    await expect(page.locator('main').textContent()).resolves.toContain('The clinic manager confirmed');
    expect(await page.getByRole('button', { name: /Record the review|Close the follow-up/ }).count()).toBe(0);
    await check('break-glass-lead-one');
    const other = await page.goto(`${world.url}/console/break-glass/${elsewhere}`);
    expect(other!.status()).toBe(404);
    expect((await page.goto(`${world.url}/console/trail-integrity`))!.status()).toBe(403);
    await context.close();
    // No NHS number (999 test range) in any URL either browser asked for.
    expect(visited.length).toBeGreaterThan(20);
    expect(visited.filter((u) => /999\d{7}/.test(u))).toEqual([]);
  });
});
