/**
 * An independent check of IHE Basic Audit Log Patterns (BALP 1.1) profile rules, written from the profiles'
 * FSH (IHE.BasicAudit.Read, PatientRead, Query, PatientQuery) and the AuthZ decision pattern, not from
 * src/ig/fhir.ts. It checks what the FHIR R4 JSON schema cannot: fixed values, slices and cardinalities.
 *
 * Slices are told apart by agent and entity type, as BALP's discriminators are. So that swapped agent types
 * are caught too, the server is also found independently: it is the agent that recorded the event (the one
 * whose `who` is `source.observer`).
 */
const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Coding = { system?: string; code?: string };

const is = (c: Coding | undefined, system: string, code: string) => c?.system === system && c?.code === code;
const agentIs = (a: Json, system: string, code: string) => (a.type?.coding ?? []).some((c: Coding) => is(c, system, code));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The BALP profiles a resource declares, by short name (PatientRead, Query, ...). */
export function declaredProfiles(a: Json): string[] {
  return ((a.meta?.profile ?? []) as string[]).filter((p) => p.startsWith(BALP)).map((p) => p.slice(BALP.length));
}

/** Every BALP rule the resource breaks, in words; [] when it conforms to what it declares. */
export function balpFaults(a: Json): string[] {
  const faults: string[] = [];
  const fault = (rule: string) => faults.push(`${a.id}: ${rule}`);
  for (const profile of declaredProfiles(a)) {
    if (profile === 'Read' || profile === 'PatientRead') restful(a, 'read', fault);
    else if (profile === 'Query' || profile === 'PatientQuery') restful(a, 'query', fault);
    else fault(`declares ${profile}, which this checker does not know`);
    if (profile.startsWith('Patient')) patientEntity(a, fault);
  }
  if (is(a.type, DCM, '110113') && (a.subtype ?? []).some((s: Coding) => s.system?.endsWith('/CodeSystem/AuthZsubType'))) authz(a, fault);
  return faults;
}

function restful(a: Json, kind: 'read' | 'query', fault: (rule: string) => void) {
  if (!is(a.type, 'http://terminology.hl7.org/CodeSystem/audit-event-type', 'rest')) fault('type must be audit-event-type#rest');
  const subtypes = kind === 'read' ? ['read', 'vread'] : ['search', 'search-type', 'search-system'];
  if (!(a.subtype ?? []).some((s: Coding) => s.system === RESTFUL && subtypes.includes(s.code ?? ''))) fault(`subtype must include restful-interaction#${subtypes[0]}`);
  if (a.action !== (kind === 'read' ? 'R' : 'E')) fault(`action must be ${kind === 'read' ? 'R' : 'E'}`);
  if (a.outcome !== '0') fault(`outcome must be 0 (success): the ${kind} profiles are for successes only`);
  // Read: the data flows from server to client. Query: the query parameters flow from client to server.
  const [clientCode, serverCode] = kind === 'read' ? ['110152', '110153'] : ['110153', '110152'];
  const agents = (a.agent ?? []) as Json[];
  const clients = agents.filter((g) => agentIs(g, DCM, clientCode));
  const servers = agents.filter((g) => agentIs(g, DCM, serverCode));
  if (clients.length !== 1) fault(`needs exactly one client agent typed DCM ${clientCode}`);
  if (servers.length !== 1) fault(`needs exactly one server agent typed DCM ${serverCode}`);
  for (const [name, g] of [['client', clients[0]], ['server', servers[0]]] as const) {
    if (!g) continue;
    if (!g.who) fault(`agent ${name} needs who`);
    if (!g.network?.address || !g.network?.type) fault(`agent ${name} needs network.address and network.type`);
    if (g.media) fault(`agent ${name} must have no media`);
  }
  const recorder = agents.find((g) => same(g.who, a.source?.observer));
  if (recorder && !agentIs(recorder, DCM, serverCode)) fault(`the recording server must be typed DCM ${serverCode}`);
  const users = agents.filter((g) => agentIs(g, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'IRCP'));
  if (users.length > 1) fault('at most one user agent');
  for (const u of users) {
    if (!u.who) fault('agent user needs who');
    if (u.requestor !== true) fault('agent user must be the requestor');
    if (u.network) fault('agent user must have no network');
  }
  const entities = (a.entity ?? []) as Json[];
  const systemObjects = entities.filter((e) => is(e.type, ENTITY_TYPE, '2'));
  const transactions = entities.filter((e) => e.type?.code === 'XrequestId');
  if (transactions.length > 1 || transactions.some((t) => !t.what?.identifier?.value)) fault('at most one transaction entity, with what.identifier.value');
  if (kind === 'read') {
    if (systemObjects.length !== 1) fault('needs exactly one data entity (System Object)');
    const data = systemObjects[0];
    if (data && !['3', '4', '20'].some((code) => is(data.role, OBJECT_ROLE, code))) fault('the data entity role must be Domain Resource, Report or Job');
    if (data && !data.what) fault('the data entity needs what');
  } else {
    const queries = systemObjects.filter((e) => is(e.role, OBJECT_ROLE, '24'));
    if (queries.length !== 1) fault('needs exactly one query entity (System Object, role 24 Query)');
    const q = queries[0];
    if (q && (typeof q.query !== 'string' || !q.query || Buffer.from(q.query, 'base64').toString('base64') !== q.query)) fault('the query entity needs query, base64');
    if (q && (q.what || q.detail || q.lifecycle)) fault('the query entity must have no what, lifecycle or detail');
  }
}

function patientEntity(a: Json, fault: (rule: string) => void) {
  const patients = ((a.entity ?? []) as Json[]).filter((e) => is(e.type, ENTITY_TYPE, '1'));
  if (patients.length !== 1) fault('needs exactly one patient entity (Person)');
  const p = patients[0];
  if (p && !is(p.role, OBJECT_ROLE, '1')) fault('the patient entity role must be Patient');
  if (p && !p.what) fault('the patient entity needs what');
}

/** BALP's authorisation-decision pattern (IHE.BasicAudit.AuthZconsent, short of its Consent entity). */
function authz(a: Json, fault: (rule: string) => void) {
  if (a.action !== 'E') fault('an authorisation decision has action E');
  if (!a.outcome) fault('an authorisation decision needs an outcome');
  if (a.outcome !== '0' && !a.outcomeDesc) fault('a denied authorisation decision needs outcomeDesc');
  const agents = (a.agent ?? []) as Json[];
  const clients = agents.filter((g) => agentIs(g, DCM, '110150'));
  if (clients.length !== 1 || !clients[0].who) fault('an authorisation decision needs one client agent (DCM 110150 Application) with who');
  if (clients[0] && (!clients[0].network?.address || !clients[0].network?.type)) fault('agent client needs network.address and network.type');
  const users = agents.filter((g) => agentIs(g, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'IRCP'));
  if (users.length !== 1 || users[0].requestor !== true || !users[0].who) fault('an authorisation decision needs one requesting user agent');
  if (!agents.some((g) => agentIs(g, 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', 'authserver'))) fault('an authorisation decision needs the authorizer agent');
  patientEntity(a, fault);
}
