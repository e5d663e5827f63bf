/**
 * Audit events as FHIR R4 AuditEvent resources following IHE Basic Audit Log Patterns (BALP 1.1).
 * No clinical content is ever included. docs/fhir-export.md says which event becomes which pattern.
 *
 * - A permitted read is IHE.BasicAudit.PatientRead (rest, read, R, outcome 0); every decision names a child.
 * - A denied read must not claim PatientRead, whose outcome is fixed at 0 (success). It follows BALP's
 *   authorisation-decision pattern (IHE.BasicAudit.AuthZconsent: Security Alert 110113, an AuthZsubType
 *   subtype, action E, outcome failure with outcomeDesc) without declaring that profile, which needs a
 *   Consent entity this service's decisions never use. The decision detail is in the data entity's detail.
 * - An IG officer's audit call is IHE.BasicAudit.Query, or PatientQuery when it names a child: rest,
 *   search, E, with the query entity (role 24) holding the base64 query string.
 *
 * Client and server agent types differ per pattern, as BALP defines them (slices are told apart by type):
 * a read has the client as DCM 110152 Destination and the server as 110153 Source (the data flows from
 * server to client); a query has the client as 110153 Source and the server as 110152 Destination (the
 * query parameters flow from client to server). Other events, where the request carries the change to the
 * server, take the query's direction.
 *
 * Network: the trail records no client address, so the client's network address is its calling system id
 * (`azp`) as a machine name (type 1), or `unknown` when the token had none. The trail does not record which
 * process served a request either; all processes serve one service, so the server's address is the host
 * name of the process exporting (also type 1).
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const SERVICE = 'needtoknow';
const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const MACHINE_NAME = '1';

interface Event {
  id: string;
  seq: number;
  ts: string;
  kind: string;
  actor?: { user?: string; role?: string; roleCode?: string; org?: string; client?: string };
  child?: string;
  section?: string;
  action?: string;
  purpose?: string;
  decision?: string;
  breakGlass?: boolean;
  requestId?: string;
  policyVersion?: string;
  details?: { reason?: { code?: string } | string; query?: string; filters?: Record<string, unknown> } & Record<string, unknown>;
}

/** Where the export runs: the server agent's network address. */
export interface ExportHost {
  serverHost: string;
}

type Coding = { system: string; code: string; display: string };
type Direction = 'read' | 'request';

/** What kind of AuditEvent an event becomes. */
interface Pattern {
  /** The BALP profile it conforms to, if any. */
  profile?: string;
  type: Coding;
  subtype?: Coding[];
  action: string;
  outcome: string;
  outcomeDesc?: string;
  agent: Record<string, unknown>[];
}

const OTHER_TYPES: Record<string, { code: string; display: string; action: string }> = {
  grant: { code: '110110', display: 'Patient Record', action: 'C' },
  'grant-extend': { code: '110110', display: 'Patient Record', action: 'U' },
  'grant-revoke': { code: '110110', display: 'Patient Record', action: 'D' },
  'break-glass': { code: '110113', display: 'Security Alert', action: 'E' },
  'break-glass-review': { code: '110110', display: 'Patient Record', action: 'U' },
  relationship: { code: '110110', display: 'Patient Record', action: 'U' },
  fact: { code: '110110', display: 'Patient Record', action: 'U' },
  policy: { code: '110100', display: 'Application Activity', action: 'E' },
};

const SOURCE_ROLE: Coding = { system: DCM, code: '110153', display: 'Source Role ID' };
const DESTINATION_ROLE: Coding = { system: DCM, code: '110152', display: 'Destination Role ID' };

function purposeCoding(purpose?: string) {
  return purpose ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: purpose }] }] : undefined;
}

function reasonCode(e: Event): string | undefined {
  return typeof e.details?.reason === 'object' ? e.details.reason.code : undefined;
}

/**
 * The audit call as a query string, `<query>?<parameters>`, rebuilt from what the trail recorded: its
 * filters, or its other details when it records no filters (the cursor and the result count are never part).
 */
function queryString(e: Event): string {
  const { query = 'query', filters, results: _results, ...rest } = e.details ?? {};
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters ?? rest)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== undefined && item !== null) params.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  const text = params.toString();
  return text ? `${query}?${text}` : query;
}

function clientAndServer(e: Event, host: ExportHost, direction: Direction): Record<string, unknown>[] {
  const server = {
    type: { coding: [direction === 'read' ? SOURCE_ROLE : DESTINATION_ROLE] },
    who: { display: SERVICE },
    requestor: false,
    network: { address: host.serverHost, type: MACHINE_NAME },
  };
  if (!e.actor) return [server];
  const client = e.actor.client ?? 'unknown';
  return [
    {
      type: { coding: [direction === 'read' ? DESTINATION_ROLE : SOURCE_ROLE] },
      who: { identifier: { system: 'urn:needtoknow:client', value: client } },
      requestor: false,
      network: { address: client, type: MACHINE_NAME },
    },
    server,
  ];
}

/** The AuthZ pattern's agents: the client application, the user, their organisation and this service. */
function authzAgents(e: Event): Record<string, unknown>[] {
  const client = e.actor?.client ?? 'unknown';
  return [
    {
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { system: 'urn:needtoknow:client', value: client } },
      requestor: false,
      network: { address: client, type: MACHINE_NAME },
    },
    ...userAgents(e),
    ...(e.actor?.org ? [{
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'PROV', display: 'healthcare provider' }] },
      who: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: e.actor.org } },
      requestor: false,
    }] : []),
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'authserver', display: 'authorization server' }] },
      who: { display: SERVICE },
      requestor: false,
    },
  ];
}

function userAgents(e: Event): Record<string, unknown>[] {
  if (!e.actor?.user) return [];
  return [{
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
    who: { identifier: { system: 'urn:needtoknow:user', value: e.actor.user } },
    ...(e.actor.roleCode || e.actor.role
      ? { role: [{ coding: [{ system: 'urn:needtoknow:role', code: e.actor.role ?? 'unknown', ...(e.actor.roleCode ? { display: e.actor.roleCode } : {}) }] }] }
      : {}),
    ...(e.actor.org ? { location: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: e.actor.org } } } : {}),
    requestor: true,
    ...(e.purpose ? { purposeOfUse: purposeCoding(e.purpose) } : {}),
  }];
}

function entities(e: Event): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (e.child) {
    out.push({
      what: { identifier: { system: NHS_NUMBER, value: e.child } },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  if (e.section) {
    const detail = [
      ...(e.decision ? [{ type: 'decision', valueString: e.decision }] : []),
      ...(reasonCode(e) ? [{ type: 'reason', valueString: reasonCode(e) }] : []),
      ...(e.policyVersion ? [{ type: 'policyVersion', valueString: e.policyVersion }] : []),
    ];
    out.push({
      what: { identifier: { system: 'urn:needtoknow:section', value: e.section } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      ...(detail.length ? { detail } : {}),
    });
  }
  if (e.kind === 'audit-query') {
    const query = queryString(e);
    out.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      description: query,
      query: Buffer.from(query, 'utf8').toString('base64'),
    });
  }
  if (e.requestId) {
    out.push({
      what: { identifier: { value: e.requestId } },
      type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId', display: 'X-Request-Id' },
    });
  }
  return out;
}

/** What kind of AuditEvent an event is: its profile, type, subtype, action, outcome and agents. */
function pattern(e: Event, host: ExportHost): Pattern {
  const rest = { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' };
  if (e.kind === 'decision' && e.decision === 'deny') {
    return {
      type: { system: DCM, code: '110113', display: 'Security Alert' },
      // AuthZ-Role, not AuthZ-Consent: the policy decides on role, relationships and grants, never on a Consent.
      subtype: [{ system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType', code: 'AuthZ-Role', display: 'Authorization Decision using only Roles' }],
      action: 'E',
      outcome: '4',
      outcomeDesc: `denied: ${reasonCode(e) ?? 'NOT_PERMITTED'}`,
      agent: authzAgents(e),
    };
  }
  if (e.kind === 'decision') {
    return {
      profile: 'PatientRead',
      type: rest,
      subtype: [{ system: RESTFUL, code: 'read', display: 'read' }],
      action: 'R',
      outcome: '0',
      agent: [...clientAndServer(e, host, 'read'), ...userAgents(e)],
    };
  }
  if (e.kind === 'audit-query') {
    return {
      profile: e.child ? 'PatientQuery' : 'Query',
      type: rest,
      subtype: [{ system: RESTFUL, code: 'search', display: 'search' }],
      action: 'E',
      outcome: '0',
      agent: [...clientAndServer(e, host, 'request'), ...userAgents(e)],
    };
  }
  if (e.kind === 'explain') {
    // An IG officer's what-if: the operation succeeded whatever it would decide (the decision is in the detail).
    return {
      type: rest,
      subtype: [{ system: RESTFUL, code: 'operation', display: 'operation' }],
      action: 'E',
      outcome: '0',
      agent: [...clientAndServer(e, host, 'request'), ...userAgents(e)],
    };
  }
  const other = OTHER_TYPES[e.kind] ?? { code: '110100', display: 'Application Activity', action: 'E' };
  return {
    type: { system: DCM, code: other.code, display: other.display },
    action: other.action,
    outcome: '0',
    ...(reasonCode(e) ? { outcomeDesc: reasonCode(e) } : {}),
    agent: [...clientAndServer(e, host, 'request'), ...userAgents(e)],
  };
}

export function toAuditEvent(e: Event, host: ExportHost): Record<string, unknown> {
  const { profile, type, subtype, action, outcome, outcomeDesc, agent } = pattern(e, host);
  const entity = entities(e);
  return {
    resourceType: 'AuditEvent',
    id: e.id,
    ...(profile ? { meta: { profile: [BALP + profile] } } : {}),
    type,
    ...(subtype ? { subtype } : {}),
    action,
    recorded: e.ts,
    outcome,
    ...(outcomeDesc ? { outcomeDesc } : {}),
    ...(e.purpose ? { purposeOfEvent: purposeCoding(e.purpose) } : {}),
    agent,
    source: {
      site: SERVICE,
      observer: { display: SERVICE },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entity.length ? { entity } : {}),
    extension: [
      { url: 'urn:needtoknow:audit:seq', valueString: String(e.seq) },
      ...(e.breakGlass ? [{ url: 'urn:needtoknow:audit:break-glass', valueBoolean: true }] : []),
    ],
  };
}
