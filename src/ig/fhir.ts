/**
 * Audit events as FHIR R4 AuditEvent resources following IHE Basic Audit Log Patterns (BALP):
 * authorise decisions are PatientRead events (type rest, subtype read, action R) with client, server
 * and user agents, the purpose of use, the patient and data entities and the request id; a denial
 * is an outcome failure. Other events use DICOM event types. No clinical content is ever included.
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const SERVICE = 'needtoknow';

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
  details?: { reason?: { code?: string } } & Record<string, unknown>;
}

const OTHER_TYPES: Record<string, { code: string; display: string; action: string }> = {
  grant: { code: '110110', display: 'Patient Record', action: 'C' },
  'grant-revoke': { code: '110110', display: 'Patient Record', action: 'D' },
  'break-glass': { code: '110113', display: 'Security Alert', action: 'E' },
  'break-glass-review': { code: '110110', display: 'Patient Record', action: 'U' },
  relationship: { code: '110110', display: 'Patient Record', action: 'U' },
  fact: { code: '110110', display: 'Patient Record', action: 'U' },
  'audit-query': { code: '110112', display: 'Query', action: 'E' },
  explain: { code: '110112', display: 'Query', action: 'E' },
  policy: { code: '110100', display: 'Application Activity', action: 'E' },
};

function purposeCoding(purpose?: string) {
  return purpose ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: purpose }] }] : undefined;
}

export function toAuditEvent(e: Event): Record<string, unknown> {
  const isRead = e.kind === 'decision';
  const other = OTHER_TYPES[e.kind] ?? { code: '110100', display: 'Application Activity', action: 'E' };
  const failed = e.decision === 'deny';
  const agents: Record<string, unknown>[] = [
    {
      type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
      who: { identifier: { system: 'urn:needtoknow:client', value: e.actor?.client ?? 'unknown' } },
      requestor: false,
    },
    {
      type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
      who: { display: SERVICE },
      requestor: false,
    },
  ];
  if (e.actor?.user) {
    agents.push({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      who: { identifier: { system: 'urn:needtoknow:user', value: e.actor.user } },
      ...(e.actor.roleCode || e.actor.role
        ? { role: [{ coding: [{ system: 'urn:needtoknow:role', code: e.actor.role ?? 'unknown', ...(e.actor.roleCode ? { display: e.actor.roleCode } : {}) }] }] }
        : {}),
      ...(e.actor.org ? { location: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: e.actor.org } } } : {}),
      requestor: true,
      ...(e.purpose ? { purposeOfUse: purposeCoding(e.purpose) } : {}),
    });
  }
  const entities: Record<string, unknown>[] = [];
  if (e.child) {
    entities.push({
      what: { identifier: { system: NHS_NUMBER, value: e.child } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  if (e.section) {
    entities.push({
      what: { identifier: { system: 'urn:needtoknow:section', value: e.section } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
    });
  }
  if (e.requestId) {
    entities.push({
      what: { identifier: { value: e.requestId } },
      type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId', display: 'X-Request-Id' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: e.id,
    ...(isRead ? { meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] } } : {}),
    type: isRead
      ? { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' }
      : { system: DCM, code: other.code, display: other.display },
    ...(isRead ? { subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }] } : {}),
    action: isRead ? 'R' : other.action,
    recorded: e.ts,
    outcome: failed ? '4' : '0',
    ...(failed || e.details?.reason?.code ? { outcomeDesc: failed ? `denied: ${e.details?.reason?.code ?? 'NOT_PERMITTED'}` : (e.details?.reason?.code ?? '') } : {}),
    ...(e.purpose ? { purposeOfEvent: purposeCoding(e.purpose) } : {}),
    agent: agents,
    source: {
      site: SERVICE,
      observer: { display: SERVICE },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entities.length ? { entity: entities } : {}),
    extension: [
      { url: 'urn:needtoknow:audit:seq', valueString: String(e.seq) },
      ...(e.breakGlass ? [{ url: 'urn:needtoknow:audit:break-glass', valueBoolean: true }] : []),
    ],
  };
}
