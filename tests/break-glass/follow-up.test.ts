/**
 * One break-glass (GET /v1/break-glass/{id}), a safeguarding lead's read-only view of her area's
 * break-glass, and a review that needs follow-up, later closed: filters, 409s, separation of duties,
 * and every step on the trail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { SWINDON_CHILD, bearer, counts, er, feedSecondArea, lead2 } from '../grants/world.ts';

const DAY = 86_400_000;
const REASON = 'Child collapsed in clinic, parent unable to give history';

describe.each(storeKinds)('break-glass follow-up and scopes ($name)', (kind) => {
  let svc: TestService;
  let start: Date;
  useFixtureService(kind, (s, t) => ([svc, start] = [s, t]));
  beforeAll(async () => feedSecondArea(svc));

  const declare = async (user: TestUser, child: string = NHS.toddler) => {
    const r = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, user)).send({ child, reasonCode: 'EMERGENCY_TREATMENT', reason: REASON });
    expect(r.status).toBe(201);
    return r.body as { id: string };
  };
  const get = (id: string, user: TestUser = users.ig) => svc.http.get(`/v1/break-glass/${id}`).set('Authorization', bearer(svc, user));
  const list = (query: Record<string, string> = {}, user: TestUser = users.ig) => svc.http.get('/v1/break-glass').query(query).set('Authorization', bearer(svc, user));
  const ids = (r: { body: { breakGlass: { id: string }[] } }) => r.body.breakGlass.map((b) => b.id);
  const review = (id: string, body: Record<string, unknown>, user: TestUser = users.ig) =>
    svc.http.post(`/v1/break-glass/${id}/review`).set('Authorization', bearer(svc, user)).send(body);
  const close = (id: string, body: Record<string, unknown>, user: TestUser = users.ig) =>
    svc.http.post(`/v1/break-glass/${id}/follow-up:close`).set('Authorization', bearer(svc, user)).send(body);
  const trail = async (kind: string, actor?: string) =>
    (await svc.services.store.query<{ body: string }>('select body from audit_events where kind = $1 and ($2::text is null or actor = $2) order by seq', [kind, actor ?? null]))
      .rows.map((r) => JSON.parse(r.body));

  it('shows one break-glass with every decision asked under it, audited; unknown ids are 404', async () => {
    const user = er('fu-a');
    const bg = await declare(user);
    await svc.http.post('/v1/authorise').set('Authorization', bearer(svc, user))
      .send({ child: NHS.toddler, sections: ['immunisations', 'confidential'], action: 'read', purposeOfUse: 'BTG', breakGlassId: bg.id });
    const r = await get(bg.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: bg.id, user: 'fu-a', child: NHS.toddler, status: 'pending-review', reads: 1, decisions: 2, review: null, followUp: null });
    expect(r.body.readsUnder.map((e: { section: string; decision: string }) => `${e.section}:${e.decision}`).sort()).toEqual(['confidential:deny', 'immunisations:permit']);
    expect(r.body.readsUnder[0].auditId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await trail('audit-query')).map((e) => e.details)).toContainEqual(expect.objectContaining({ query: 'break-glass-one', filters: { breakGlassId: bg.id }, results: 1 }));
    expect((await get('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('not-a-uuid')).status).toBe(400);
    expect((await get(bg.id, users.hv)).status).toBe(403);
  });

  it('lets a safeguarding lead see, read-only, the break-glass about children of her area, and no other', async () => {
    const mine = await declare(er('fu-b'));
    const elsewhere = await declare(er('fu-b'), SWINDON_CHILD);
    const r = await list({}, users.lead);
    expect(r.status).toBe(200);
    expect(ids(r)).toContain(mine.id);
    expect(ids(r)).not.toContain(elsewhere.id);
    expect(ids(await list({}, lead2))).toEqual(expect.arrayContaining([elsewhere.id]));
    expect(ids(await list({}, lead2))).not.toContain(mine.id);
    expect((await get(mine.id, users.lead)).status).toBe(200);
    expect((await get(elsewhere.id, users.lead)).status).toBe(404);
    // The listing is on the trail, with the lead's areas; the review stays IG's.
    const queries = (await trail('audit-query', users.lead.id)).map((e) => e.details);
    expect(queries).toContainEqual(expect.objectContaining({ query: 'break-glass', filters: expect.objectContaining({ areas: ['oxfordshire'] }) }));
    const before = await counts(svc);
    expect((await review(mine.id, { outcome: 'appropriate', notes: 'fine' }, users.lead)).status).toBe(403);
    expect((await close(mine.id, { outcome: 'appropriate', note: 'fine' }, users.lead)).status).toBe(403);
    expect(await counts(svc)).toEqual(before);
  });

  it('keeps a review that needs follow-up in the follow-up queue until an IG officer closes it, each step audited', async () => {
    // The same person as a GP (declares) and as an IG officer (may not close her own follow-up).
    const asGp: TestUser = { id: 'fu-dual', org: 'K84001', roleCode: 'S8000:G8000:R8000' };
    const asIg: TestUser = { id: 'fu-dual', org: 'RNU', roleCode: 'S8000:G8000:R0001', activities: [] };
    const bg = await declare(asGp);
    const other = await declare(er('fu-c'), NHS.teen);
    const reviewed = await review(bg.id, { outcome: 'follow-up', notes: 'No emergency recorded yet.', followUp: 'Ask the ED consultant to confirm the attendance.' });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body).toMatchObject({ status: 'reviewed', review: { outcome: 'follow-up' }, followUp: { status: 'open', action: 'Ask the ED consultant to confirm the attendance.', outcome: null } });
    expect(ids(await list({ followUp: 'open' }))).toContain(bg.id);
    expect(ids(await list({ followUp: 'open' }))).not.toContain(other.id);
    expect(ids(await list({ followUp: 'closed' }))).not.toContain(bg.id);
    expect((await trail('break-glass-review')).map((e) => e.details)).toContainEqual(expect.objectContaining({ breakGlassId: bg.id, outcome: 'follow-up', followUp: 'Ask the ED consultant to confirm the attendance.' }));

    // Closing: the declarer may not (separation of duties), a bad body is 400; neither changes anything but the refusal's event.
    const before = await counts(svc);
    const bad = await close(bg.id, { outcome: 'fine', note: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.note', 'body.outcome']);
    expect(await counts(svc)).toEqual(before);
    const self = await close(bg.id, { outcome: 'appropriate', note: 'all good' }, asIg);
    expect(self.status).toBe(403);
    expect((await trail('break-glass-follow-up-close')).at(-1)).toMatchObject({ decision: 'deny', details: { breakGlassId: bg.id, reason: 'SELF_REVIEW' } });

    const closed = await close(bg.id, { outcome: 'appropriate', note: 'ED consultant confirmed the emergency.' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ followUp: { status: 'closed', outcome: 'appropriate', note: 'ED consultant confirmed the emergency.', closedBy: 'ig1' }, consistencyToken: expect.stringMatching(/^ct1\./) });
    expect((await trail('break-glass-follow-up-close')).at(-1)).toMatchObject({ actor: { user: 'ig1' }, details: { breakGlassId: bg.id, outcome: 'appropriate', followUp: 'Ask the ED consultant to confirm the attendance.' } });
    expect(ids(await list({ followUp: 'open' }))).not.toContain(bg.id);
    expect(ids(await list({ followUp: 'closed' }))).toContain(bg.id);

    // 409 for what is not an open follow-up: closed already, reviewed otherwise, or not reviewed; 404 for no such id.
    await review(other.id, { outcome: 'appropriate', notes: 'genuine emergency' });
    const pending = await declare(er('fu-c'));
    const after = await counts(svc);
    for (const id of [bg.id, other.id, pending.id]) {
      const r = await close(id, { outcome: 'inappropriate', note: 'again' });
      expect(r.status, id).toBe(409);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await close('00000000-0000-4000-8000-000000000000', { outcome: 'inappropriate', note: 'x' })).status).toBe(404);
    expect(await counts(svc)).toEqual(after);
  });

  it('takes follow-up with the notes as what is to be done (the contract\'s body), refuses followUp with another outcome, and filters overdue', async () => {
    const bg = await declare(er('fu-d'));
    const r = await review(bg.id, { outcome: 'follow-up', notes: 'Ask the manager why.' });
    expect(r.body.followUp).toMatchObject({ status: 'open', action: 'Ask the manager why.' });
    const other = await declare(er('fu-d'));
    const refused = await review(other.id, { outcome: 'appropriate', notes: 'ok', followUp: 'nothing' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.followUp']);

    expect(ids(await list({ overdue: 'true' }))).not.toContain(other.id);
    const days = svc.services.policy.current.parameters.breakGlass.reviewOverdueDays;
    svc.clock.now = new Date(start.getTime() + (days + 1) * DAY);
    const overdue = await list({ overdue: 'true' });
    expect(ids(overdue)).toContain(other.id);
    expect(ids(overdue)).not.toContain(bg.id);
    expect(overdue.body.breakGlass.every((b: { overdue: boolean }) => b.overdue)).toBe(true);
    expect((await list({ overdue: 'false' })).status).toBe(400);
  });
});
