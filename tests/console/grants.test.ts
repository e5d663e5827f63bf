/**
 * Grants in the console, in a real browser on both stores, as a safeguarding lead using the keyboard
 * only (Tab, arrows within a radio group, Space, Enter, typing; no clicks): sign in, find a member of
 * staff of her area by name, give her access to a child, see it in the grants she gave, extend it,
 * revoke it. Each page passes axe (WCAG 2.2 AA) with no inline script or style; no NHS number, name
 * or staff id ever appears in a URL; the API's decisions follow each step; tampered forms get a 403
 * page and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { storeKinds } from '../support/stores.ts';
import { demoToken } from '../../src/identity/demo-tokens.ts';
import { launchChromium, startConsole, type ConsoleWorld, checkPage } from './support.ts';

const DAY = 86_400_000;

/** What has the keyboard focus: enough to tell fields, radios and buttons apart. */
interface Focus { id: string; name: string; value: string; text: string; action: string }
type Active = { id: string; value?: string; textContent: string | null; getAttribute(n: string): string | null; form?: { getAttribute(n: string): string | null } | null } | null;

describe.each(storeKinds)('console grants: $name', (kind) => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every URL the lead's browser asked for. */
  const visited: string[] = [];
  const persona = (key: string) => world.personas.find((p) => p.key === key)!;
  /** A grant by the lead of another area, for a child of that area, and a member of staff of that area only. */
  let elsewhere: { grantId: string; staffId: string; child: string };

  const check = (name: string) => checkPage(page, kind, name);

  const focus = (): Promise<Focus> => page.evaluate(() => {
    const a = (globalThis as unknown as { document: { activeElement: Active } }).document.activeElement;
    return { id: a?.id ?? '', name: a?.getAttribute('name') ?? '', value: a?.value ?? '', text: a?.textContent?.trim() ?? '', action: a?.form?.getAttribute('action') ?? '' };
  });
  /** Presses Tab until the focused element is the one wanted (the page's tab order must reach it). */
  async function tabTo(want: (f: Focus) => boolean, what: string) {
    for (let i = 0; i < 300; i++) {
      if (want(await focus())) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  }
  const byId = (id: string) => (f: Focus) => f.id === id;
  const button = (text: string, action: string) => (f: Focus) => f.text === text && f.action === action;
  /** Tabs into a radio group, then moves with the arrow keys (which select) to the value wanted, or selects it with Space. */
  async function chooseRadio(name: string, value: string) {
    await tabTo((f) => f.name === name, `the ${name} radios`);
    for (let i = 0; i < 100 && (await focus()).value !== value; i++) await page.keyboard.press('ArrowDown');
    expect((await focus()).value).toBe(value);
    // Tab alone focuses the first radio without selecting it; Space selects it.
    const radio = page.locator(`input[name="${name}"][value="${value}"]`);
    if (!(await radio.isChecked())) await page.keyboard.press('Space');
    expect(await page.locator(`input[name="${name}"][value="${value}"]`).isChecked()).toBe(true);
  }
  async function typeInto(id: string, text: string) {
    await tabTo(byId(id), `#${id}`);
    await page.keyboard.type(text);
  }
  async function press(text: string, action: string) {
    await tabTo(button(text, action), `the ${text} button`);
    await page.keyboard.press('Enter');
  }

  const api = () => request(world.service.app);
  const db = () => world.service.services.store;
  const read = async (child: string, section = 'immunisations') => {
    const r = await api().post('/v1/authorise').set('authorization', `Bearer ${world.tokenFor('health-visitor')}`)
      .send({ child, sections: [section], action: 'read', purposeOfUse: 'TREAT' });
    expect(r.status).toBe(200);
    return r.body.decisions[0] as { decision: string; basis: { kind: string; until?: string }[] };
  };
  const leadArea = async () => (await db().query<{ area: string }>('select area from teams where id = $1', [persona('safeguarding-lead').workgroups[0]])).rows[0].area;

  beforeAll(async () => {
    world = await startConsole(kind);
    browser = await launchChromium();
    // The lead of another area grants one of her staff access to a child of her area (through the API).
    const area = await leadArea();
    const { rows: [other] } = await db().query<{ user_id: string; name: string; org_code: string; team_id: string; area: string }>(
      `select u.id as user_id, u.name, u.org_code, t.id as team_id, t.area from teams t join user_teams ut on ut.team_id = t.id join users u on u.id = ut.user_id
        where t.kind = 'safeguarding' and t.area <> $1 order by t.id, u.id limit 1`, [area]);
    const { rows: [staff] } = await db().query<{ id: string }>(
      `select u.id from users u join user_teams ut on ut.user_id = u.id join teams t on t.id = ut.team_id
        where t.kind = 'health-visiting' and t.area = $1 and not exists (select 1 from user_teams o join teams ot on ot.id = o.team_id where o.user_id = u.id and ot.area = $2)
        order by u.id limit 1`, [other.area, area]);
    const { rows: [child] } = await db().query<{ nhs_number: string }>('select nhs_number from children where area = $1 order by nhs_number limit 1', [other.area]);
    const token = demoToken(world.issuer, world.service.services.policy.current.roles, 'safeguarding-lead',
      { userId: other.user_id, name: other.name, orgCode: other.org_code, workgroups: [other.team_id] });
    const g = await api().post('/v1/grants').set('authorization', `Bearer ${token}`).send({
      child: child.nhs_number, grantee: `user:${staff.id}`, sections: ['health-visiting'], purposeOfUse: 'TREAT',
      reason: 'Strategy meeting in the other area', expiresAt: new Date(world.clock.now.getTime() + 5 * DAY).toISOString(),
    });
    expect(g.status).toBe(201);
    elsewhere = { grantId: g.body.id, staffId: staff.id, child: child.nhs_number };

    context = await browser.newContext();
    context.setDefaultTimeout(60_000);
    context.on('request', (r) => visited.push(r.url()));
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('lets a safeguarding lead find a health visitor by name, give, extend and revoke access, with the keyboard only', async () => {
    const lead = persona('safeguarding-lead');
    const hv = persona('health-visitor');
    const child = lead.canRead!;
    expect(await leadArea()).toBe((await db().query<{ area: string }>('select area from children where nhs_number = $1', [child])).rows[0].area);
    expect((await read(child)).decision).toBe('deny');

    // Sign in: the persona radios, then the button.
    await page.goto(`${world.url}/console/sign-in`);
    await chooseRadio('persona', 'safeguarding-lead');
    await press('Sign in', '/console/sign-in/demo');
    await page.waitForURL(`${world.url}/console`);
    await tabTo((f) => f.text === 'Grants', 'the Grants link');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/grants');
    await check('grants');

    // Everything missing: the error summary names each field, in the NHS pattern.
    await press('Give access', '/console/grants');
    await page.waitForSelector('.nhsuk-error-summary');
    const summary = page.locator('.nhsuk-error-summary');
    for (const [href, words] of [['#staffName', 'Find the member of staff by name'], ['#child', 'valid 10-digit NHS number'], ['#sections', 'Select the sections'], ['#days', 'number of days'], ['#reason', 'why they need access']]) {
      await expect(summary.locator(`a[href="${href}"]`).textContent(), href).resolves.toContain(words);
    }
    await check('grants-error');

    // Find her by (part of) her name: a POST, the choices on the page.
    const surname = hv.name.split(' ').at(-1)!;
    await typeInto('staffName', surname);
    await press('Find staff', '/console/grants/find-staff');
    await page.waitForSelector('input[name="grantee"]');
    await check('grants-staff-found');
    await chooseRadio('grantee', hv.userId);
    await typeInto('child', child);
    await tabTo(byId(await page.getByLabel('immunisations', { exact: true }).getAttribute('id') as string), 'the immunisations checkbox');
    await page.keyboard.press('Space');
    await typeInto('days', '14');
    await typeInto('reason', 'Joint visit with the safeguarding team next week.');
    await press('Give access', '/console/grants');
    await page.waitForURL('**/console/grants?done=granted');
    await expect(page.locator('.nhsuk-notification-banner').textContent()).resolves.toContain('Access granted');
    const { rows: [granted] } = await db().query<{ id: string; expires_at: Date; granted_by: string }>(
      'select id, expires_at, granted_by from grants where grantee = $1 and revoked_at is null', [`user:${hv.userId}`]);
    expect(granted.granted_by).toBe(lead.userId);
    const card = page.locator('.nhsuk-card', { hasText: `user:${hv.userId}` });
    await expect(card.textContent()).resolves.toMatch(/Active/);
    await expect(card.textContent()).resolves.toContain(hv.name);
    await check('grants-given');
    // The API now permits what the grant gives, and nothing else.
    const permit = await read(child);
    expect(permit).toMatchObject({ decision: 'permit', basis: [{ kind: 'grant' }] });
    expect((await read(child, 'safeguarding')).decision).toBe('deny');
    const firstEnd = new Date(granted.expires_at).getTime();

    // Extend by 7 days.
    await typeInto(`days-${granted.id}`, '7');
    await typeInto(`extendReason-${granted.id}`, 'The visit moved to the week after.');
    await press('Extend', `/console/grants/${granted.id}/extend`);
    await page.waitForURL('**/console/grants?done=extended');
    await expect(page.locator('.nhsuk-notification-banner').textContent()).resolves.toContain('Grant extended');
    await check('grants-extended');
    const { rows: [extended] } = await db().query<{ expires_at: Date }>('select expires_at from grants where id = $1', [granted.id]);
    expect(new Date(extended.expires_at).getTime()).toBe(firstEnd + 7 * DAY);
    const now = world.clock.now;
    try {
      world.clock.now = new Date(firstEnd + 3_600_000);
      expect((await read(child)).decision).toBe('permit');
    } finally {
      world.clock.now = now;
    }

    // Revoke.
    await typeInto(`revokeReason-${granted.id}`, 'Visit cancelled.');
    await press('Revoke', `/console/grants/${granted.id}/revoke`);
    await page.waitForURL('**/console/grants?done=revoked');
    await expect(page.locator('.nhsuk-card', { hasText: `user:${hv.userId}` }).textContent()).resolves.toMatch(/Revoked/);
    await check('grants-revoked');
    expect((await read(child)).decision).toBe('deny');
    const events = await db().query<{ kind: string }>(`select kind from audit_events where kind like 'grant%' and actor = $1 order by seq`, [lead.userId]);
    expect(events.rows.map((e) => e.kind)).toEqual(['grant', 'grant-extend', 'grant-revoke']);
    // The search and each listing are on the trail as the API calls are: the page view appends one listing, not two.
    const queries = async () => (await db().query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = $1`, [lead.userId])).rows
      .map((r) => JSON.parse(r.body).details);
    expect((await queries()).filter((d) => d.query === 'staff-search')).toContainEqual(expect.objectContaining({ filters: { name: surname, limit: 20 } }));
    const listings = (await queries()).filter((d) => d.query === 'grants').length;
    await page.goto(`${world.url}/console/grants`);
    expect((await queries()).filter((d) => d.query === 'grants').length).toBe(listings + 1);
  });

  it('refuses a tampered staff id, or another area\'s grant, with a 403 page and changes nothing; a child elsewhere is a field error', async () => {
    const lead = persona('safeguarding-lead');
    const hv = persona('health-visitor');
    const counts = async () => (await db().query<{ grants: number; audit: number; ends: string }>(
      `select (select count(*) from grants)::int as grants, (select count(*) from audit_events where kind like 'grant%')::int as audit,
              (select expires_at::text || coalesce(revoked_at::text, '') from grants where id = $1) as ends`, [elsewhere.grantId])).rows[0];
    const before = await counts();

    // A staff id of another area put in place of the one found.
    await page.goto(`${world.url}/console/grants`);
    await typeInto('staffName', hv.name.split(' ').at(-1)!);
    await press('Find staff', '/console/grants/find-staff');
    await page.waitForSelector('input[name="grantee"]');
    await page.locator(`input[name="grantee"][value="${hv.userId}"]`).evaluate((el, id) => el.setAttribute('value', id), elsewhere.staffId);
    await chooseRadio('grantee', elsewhere.staffId);
    await typeInto('child', lead.canRead!);
    await tabTo(byId(await page.getByLabel('immunisations', { exact: true }).getAttribute('id') as string), 'the immunisations checkbox');
    await page.keyboard.press('Space');
    await typeInto('days', '3');
    await typeInto('reason', 'Tampered grantee id from the browser.');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), press('Give access', '/console/grants')]);
    expect(refused.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('You do not have access');
    await check('grants-forbidden');
    expect(await counts()).toEqual(before);

    // A child of another area: the API's answer on the child field (the same as for a number never fed).
    await page.goto(`${world.url}/console/grants`);
    await typeInto('staffName', hv.name.split(' ').at(-1)!);
    await press('Find staff', '/console/grants/find-staff');
    await page.waitForSelector('input[name="grantee"]');
    await chooseRadio('grantee', hv.userId);
    await typeInto('child', elsewhere.child);
    await tabTo(byId(await page.getByLabel('immunisations', { exact: true }).getAttribute('id') as string), 'the immunisations checkbox');
    await page.keyboard.press('Space');
    await typeInto('days', '3');
    await typeInto('reason', 'A child of another area.');
    await press('Give access', '/console/grants');
    await page.waitForSelector('.nhsuk-error-summary');
    await expect(page.locator('.nhsuk-error-summary a[href="#child"]').textContent()).resolves.toContain('must be a child of your safeguarding area');
    expect(await counts()).toEqual(before);

    // Another area's grant through this lead's own extend and revoke forms.
    const mine = await api().post('/v1/grants').set('authorization', `Bearer ${world.tokenFor('safeguarding-lead')}`).send({
      child: lead.canRead, grantee: `user:${hv.userId}`, sections: ['immunisations'], purposeOfUse: 'TREAT', reason: 'Joint visit next week, confirmed',
      expiresAt: new Date(world.clock.now.getTime() + 2 * DAY).toISOString(),
    });
    expect(mine.status).toBe(201);
    const withMine = await counts();
    for (const [form, fields] of [['extend', [`days-${mine.body.id}`, `extendReason-${mine.body.id}`]], ['revoke', [`revokeReason-${mine.body.id}`]]] as const) {
      await page.goto(`${world.url}/console/grants`);
      const action = `/console/grants/${elsewhere.grantId}/${form}`;
      await page.locator(`form[action="/console/grants/${mine.body.id}/${form}"]`).evaluate((el, a) => el.setAttribute('action', a), action);
      for (const id of fields) await typeInto(id, id.startsWith('days') ? '2' : 'Tampered grant id from the browser.');
      const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), press(form === 'extend' ? 'Extend' : 'Revoke', action)]);
      expect(answer.status(), form).toBe(403);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('You do not have access');
      expect(await counts(), form).toEqual(withMine);
    }
  });

  it('kept NHS numbers, names and staff ids out of every URL the lead\'s browser asked for', async () => {
    await context.close();
    const hv = persona('health-visitor');
    const lead = persona('safeguarding-lead');
    expect(visited.length).toBeGreaterThan(20);
    // NHS numbers (the 999 test range, and the two used), staff ids, and each word of the name searched for.
    const words = (text: string) => text.split(/\s+/).map((w) => new RegExp(`\\b${w.replace(/[^A-Za-z]/g, '')}\\b`, 'i'));
    const leaks = [/999\d{7}/, new RegExp(lead.canRead!), new RegExp(elsewhere.child), new RegExp(hv.userId), new RegExp(elsewhere.staffId), new RegExp(lead.userId), ...words(hv.name)];
    expect(visited.filter((u) => leaks.some((re) => re.test(decodeURIComponent(u))))).toEqual([]);
  });
});
