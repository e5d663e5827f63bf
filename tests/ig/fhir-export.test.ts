/**
 * The IG's exports as other systems read them: the FHIR R4 Bundle passes the official FHIR R4 JSON schema
 * and the BALP profile rules (tests/support/balp.ts), and the CSV carries the reasons people gave.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { balpFaults, declaredProfiles } from '../support/balp.ts';
import { parseCsv } from '../support/csv.ts';

const JSONSchemaValidator = createRequire(import.meta.url)('@asymmetrik/fhir-json-schema-validator');
const BG_REASON = 'Unconscious child brought to ED, no record yet';
const GRANT_REASON = '=Section 47 enquiry opened by the county';
type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(storeKinds)('FHIR and CSV exports of the trail ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  let bundle: { entry: { resource: Resource }[] };
  /** The trail's own events by id: what each exported resource must stand for. */
  const trail = new Map<string, { kind: string; decision?: string; child?: string }>();
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });
  const bearer = (u: TestUser) => `Bearer ${svc.tokenFor(u)}`;
  const read = (u: TestUser, child: string, sections: string[], extra: object = {}) =>
    svc.http.post('/v1/authorise').set('Authorization', bearer(u)).send({ child, sections, action: 'read', purposeOfUse: 'TREAT', ...extra }).expect(200);

  beforeAll(async () => {
    await read(users.hv, NHS.toddler, ['immunisations']);
    const denied = await read(users.hvOther, NHS.toddler, ['health-visiting']);
    expect(denied.body.decisions[0].decision).toBe('deny');
    const bg = await svc.http.post('/v1/break-glass').set('Authorization', bearer(users.paed))
      .send({ child: NHS.teen, reasonCode: 'EMERGENCY_TREATMENT', reason: BG_REASON }).expect(201);
    await read(users.paed, NHS.teen, ['immunisations'], { purposeOfUse: 'BTG', breakGlassId: bg.body.id });
    await svc.http.post('/v1/grants').set('Authorization', bearer(users.lead)).send({
      child: NHS.teen, grantee: 'user:paed1', sections: ['screening'], purposeOfUse: 'TREAT', reason: GRANT_REASON,
      expiresAt: new Date(svc.clock.now.getTime() + 7 * 86_400_000).toISOString(),
    }).expect(201);
    await svc.http.get(`/v1/audit/events?child=${NHS.toddler}&kind=decision`).set('Authorization', ig).expect(200);
    await svc.http.get('/v1/audit/checkpoints/latest').set('Authorization', ig).expect(200);
    const r = await svc.http.get('/v1/audit/export?format=fhir').set('Authorization', ig).expect(200);
    bundle = JSON.parse(r.text);
    const { rows } = await svc.services.store.query<{ body: string }>('select body from audit_events', []);
    for (const { body } of rows) {
      const e = JSON.parse(body);
      trail.set(e.id, e);
    }
  });

  const resources = (kindOf: string, decision?: string) => bundle.entry.map((e) => e.resource)
    .filter((a) => trail.get(a.id)?.kind === kindOf && (!decision || trail.get(a.id)?.decision === decision));

  it('passes the official FHIR R4 JSON schema', () => {
    expect(new JSONSchemaValidator().validate(bundle)).toEqual([]);
  });

  it('passes the BALP profile rules for every event, whatever it declares', () => {
    expect(bundle.entry.length).toBe(trail.size); // the export's own audit event included: it is recorded first
    expect(bundle.entry.flatMap((e) => balpFaults(e.resource))).toEqual([]);
  });

  it('exports permitted reads as BALP PatientRead, with client, server and user agents on the network', () => {
    const permits = resources('decision', 'permit');
    expect(permits.length).toBe(2);
    for (const a of permits) {
      expect(declaredProfiles(a)).toEqual(['PatientRead']);
      expect(a).toMatchObject({ outcome: '0', action: 'R', subtype: [{ code: 'read' }], purposeOfEvent: [{ coding: [{ code: expect.any(String) }] }] });
      expect(a.entity[0].what.identifier).toEqual({ system: 'https://fhir.nhs.uk/Id/nhs-number', value: trail.get(a.id)?.child });
    }
  });

  it('exports a denied read as an authorisation decision that claims no success profile', () => {
    const [denied, ...more] = resources('decision', 'deny');
    expect(more).toEqual([]);
    expect(declaredProfiles(denied)).toEqual([]);
    expect(denied).toMatchObject({
      type: { code: '110113' }, subtype: [{ code: 'AuthZ-Role' }], action: 'E', outcome: '4', outcomeDesc: expect.stringMatching(/^denied: [A-Z_]+$/),
    });
    const section = denied.entity.find((e: Resource) => e.what?.identifier?.system === 'urn:needtoknow:section');
    expect(section.detail).toEqual(expect.arrayContaining([{ type: 'decision', valueString: 'deny' }, { type: 'reason', valueString: expect.any(String) }]));
  });

  it('exports every audit call as a BALP query with its query string, naming the child when it has one', () => {
    const searches = resources('audit-query');
    expect(searches.length).toBeGreaterThanOrEqual(2);
    for (const a of searches) {
      expect(declaredProfiles(a)).toEqual([trail.get(a.id)?.child ? 'PatientQuery' : 'Query']);
    }
    const byChild = searches.find((a) => trail.get(a.id)?.child === NHS.toddler)!;
    const query = byChild.entity.find((e: Resource) => e.role?.code === '24');
    const text = Buffer.from(query.query, 'base64').toString('utf8');
    expect(text.startsWith('search?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(text.split('?')[1]))).toMatchObject({ child: NHS.toddler, kind: 'decision' });
  });

  it('carries the break-glass reason code and text and the grant reason in the CSV, formula-safe', async () => {
    const rows = parseCsv((await svc.http.get('/v1/audit/export?format=csv').set('Authorization', ig).expect(200)).text);
    expect(rows.find((r) => r.kind === 'break-glass')).toMatchObject({ breakGlassReasonCode: 'EMERGENCY_TREATMENT', breakGlassReason: BG_REASON, grantReason: '' });
    expect(rows.find((r) => r.kind === 'grant')).toMatchObject({ grantReason: `'${GRANT_REASON}`, breakGlassReason: '' });
  });
});

describe('the BALP checker', () => {
  // Each fault the export once had, made on a conformant resource, is caught.
  const client = { type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110152' }] }, who: { display: 'app' }, network: { address: 'app', type: '1' } };
  const server = { type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153' }] }, who: { display: 'svc' }, network: { address: 'host', type: '1' } };
  const read: Resource = {
    id: 'r', meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' }, subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R', outcome: '0', source: { observer: { display: 'svc' } }, agent: [client, server],
    entity: [
      { what: { identifier: { value: '1' } }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' } },
      { what: { identifier: { value: 's' } }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4' } },
    ],
  };
  const swapped = (agent: Resource) => ({ ...agent, type: { coding: agent.type.coding.map((c: Resource) => ({ ...c, code: c.code === '110152' ? '110153' : '110152' })) } });

  it('accepts a conformant PatientRead', () => {
    expect(balpFaults(read)).toEqual([]);
  });

  it('catches a failure that claims PatientRead, swapped agent types, a missing network and a search without its query', () => {
    expect(balpFaults({ ...read, outcome: '4' })).toEqual([expect.stringContaining('outcome must be 0')]);
    expect(balpFaults({ ...read, agent: [swapped(client), swapped(server)] }))
      .toContainEqual(expect.stringContaining('recording server must be typed DCM 110153'));
    expect(balpFaults({ ...read, agent: [{ ...client, network: undefined }, server] })).toEqual([expect.stringContaining('agent client needs network')]);
    const search = { ...read, meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Query'] }, subtype: [], action: 'E', entity: [] };
    expect(balpFaults(search)).toEqual(expect.arrayContaining([
      expect.stringContaining('subtype must include restful-interaction#search'), expect.stringContaining('needs exactly one query entity'),
    ]));
  });
});
