/**
 * "Who has seen this child's record, and why": the permitted reads of a child in a period, grouped
 * per request, with people, organisations and bases in plain words, fit for answering a subject
 * access request. Refused attempts are listed apart. Read from the audit trail only.
 */
import type { Queryable } from '../store/store.ts';
import { bodiesInTimeOrder } from '../store/tables/audit-events.ts';
import { displayNames } from '../store/tables/display-names.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';
import { toCsv } from './csv.ts';
import { parentMaySee, purposeInWords, subjectAccessPolicy, type ReportView } from './subject-access.ts';

export interface Basis {
  kind: string;
  type?: string;
  via?: string;
  grantId?: string;
  breakGlassId?: string;
}

export interface DecisionEvent {
  id: string;
  seq: number;
  ts: string;
  kind: string;
  actor?: { user?: string; role?: string; org?: string; client?: string };
  section?: string;
  purpose?: string;
  decision?: string;
  breakGlass?: boolean;
  requestId?: string;
  details?: { basis?: Basis[] };
}

export interface ReportRead {
  when: string;
  user: string;
  name: string | null;
  role: string | null;
  organisation: { code: string | null; name: string | null };
  sections: string[];
  purpose: string | null;
  breakGlass: boolean;
  because: string[];
  requestId: string | null;
  auditIds: string[];
}

const ROLE_WORDS: Record<string, string> = {
  'health-visitor': 'health visitor', 'school-nurse': 'school nurse', 'immunisation-nurse': 'immunisation nurse',
  'safeguarding-lead': 'safeguarding lead', gp: 'GP', clinician: 'hospital clinician', clerk: 'child health records clerk',
};

/** A product role in words ("health visitor"). */
export function roleInWords(role: string | undefined | null): string | null {
  return role ? (ROLE_WORDS[role] ?? role) : null;
}

/** Why a read was permitted, in plain words (the basis the decision recorded). */
export function describe(b: Basis, names: Map<string, string>): string {
  const subject = b.via ?? '';
  const [kind, key] = subject.split(':');
  const who = names.get(subject) ?? key ?? '';
  switch (b.kind) {
    case 'grant': return 'a time-limited grant of access by a safeguarding lead';
    case 'break-glass': return 'emergency access (break-glass), reviewed afterwards by information governance';
    case 'override': return 'an authorised override of an access restriction';
  }
  const mine = kind === 'user';
  switch (b.type) {
    case 'caseload': return mine ? 'the child is on their own caseload' : `the child is on the caseload of ${who}`;
    case 'gp-registration': return `the child is registered with ${who}`;
    case 'school-enrolment': return `the child attends school ${key}, which their school nursing team covers`;
    case 'referral': return `the child was referred to ${mine ? 'them' : who}`;
    case 'episode-of-care': return `the child is in an episode of care with ${mine ? 'them' : who}`;
    case 'handover': return `handover to the new area after the child moved (${who})`;
    case 'self-claimed': return 'a relationship they declared themselves, with a reason, alerted to information governance';
    default: return `${b.type ?? b.kind} (${subject})`;
  }
}

export type AccessReport = Awaited<ReturnType<typeof buildReport>>['report'] & { view: 'full' };

/** A read as the parent-safe view shows it: staff by role and organisation, no ids (policies/subject-access.json). */
export type ParentSafeRead = Omit<ReportRead, 'user' | 'name' | 'requestId' | 'auditIds'>;

export interface ParentSafeReport {
  view: 'parent-safe';
  child: string;
  from: string | null;
  to: string | null;
  generatedAt: string;
  notice: string;
  summary: { reads: number; organisations: number; breakGlassReads: number };
  reads: ParentSafeRead[];
}

export interface ReportQuery {
  from?: string;
  to?: string;
  format?: string;
  view?: ReportView;
}

type ReportDeps = { db: Queryable; trail: TrailAppender; now: () => Date };

/**
 * The access report of a child in [from, to), in the view asked for (default the full IG view); the
 * report itself is recorded on the trail (with the query as asked, `format` and `view` included)
 * before it is returned.
 */
export async function accessReport(deps: ReportDeps, who: Asker, child: string, query: ReportQuery & { view?: 'full' }): Promise<AccessReport>;
export async function accessReport(deps: ReportDeps, who: Asker, child: string, query: ReportQuery & { view: 'parent-safe' }): Promise<ParentSafeReport>;
export async function accessReport(deps: ReportDeps, who: Asker, child: string, query: ReportQuery): Promise<AccessReport | ParentSafeReport>;
export async function accessReport(deps: ReportDeps, who: Asker, child: string, query: ReportQuery): Promise<AccessReport | ParentSafeReport> {
  return (await producedReport(deps, who, child, query)).report;
}

/**
 * accessReport, with the seq of the newest event of each read it shows: a checkpoint covers an event
 * when its tree size is above the event's seq (report-pdf.ts).
 */
export async function producedReport(
  deps: ReportDeps, who: Asker, child: string, query: ReportQuery,
): Promise<{ report: AccessReport | ParentSafeReport; readSeqs: number[] }> {
  const view = query.view ?? 'full';
  const policy = subjectAccessPolicy;
  const built = view === 'full'
    ? await buildReport(deps.db, child, query.from, query.to, deps.now())
    : await buildReport(deps.db, child, query.from, query.to, deps.now(), {
      keep: (e) => parentMaySee({ section: e.section, role: e.actor?.role, purpose: e.purpose, basisKinds: (e.details?.basis ?? []).map((b) => b.kind) }),
      refused: policy.showRefusedAttempts,
    });
  const report = view === 'full' ? { ...built.report, view } : parentSafe(built.report);
  await recordAuditQuery(deps.trail, who, 'access-report', { ...query, view }, report.reads.length, child);
  return { report, readSeqs: built.readSeqs };
}

function parentSafe(r: Awaited<ReturnType<typeof buildReport>>['report']): ParentSafeReport {
  const policy = subjectAccessPolicy;
  return {
    view: 'parent-safe',
    child: r.child,
    from: r.from,
    to: r.to,
    generatedAt: r.generatedAt,
    notice: policy.notice,
    summary: { reads: r.summary.reads, organisations: r.summary.organisations, breakGlassReads: r.summary.breakGlassReads },
    reads: r.reads.map((x) => ({
      when: x.when,
      role: policy.showStaffNames && x.name ? `${x.name}${x.role ? `, ${x.role}` : ''}` : x.role,
      organisation: x.organisation,
      sections: x.sections,
      purpose: purposeInWords(x.purpose),
      breakGlass: x.breakGlass,
      because: x.because,
    })),
  };
}

const PARENT_SAFE_CSV_COLUMNS = ['when', 'role', 'orgCode', 'organisation', 'sections', 'purpose', 'breakGlass', 'because'];

/** One row per read, in the columns of its view. */
export function parentSafeCsv(report: ParentSafeReport): string {
  return toCsv(PARENT_SAFE_CSV_COLUMNS, report.reads.map((r) => [
    r.when, r.role, r.organisation.code, r.organisation.name, r.sections.join(' '), r.purpose, r.breakGlass, r.because.join('; '),
  ]));
}

const CSV_COLUMNS = ['when', 'user', 'name', 'role', 'orgCode', 'organisation', 'sections', 'purpose', 'breakGlass', 'because', 'requestId'];

/** One row per read. */
export function accessReportCsv(report: AccessReport): string {
  return toCsv(CSV_COLUMNS, report.reads.map((r) => [
    r.when, r.user, r.name, r.role, r.organisation.code, r.organisation.name, r.sections.join(' '), r.purpose, r.breakGlass, r.because.join('; '), r.requestId,
  ]));
}

/** `keep` picks the permitted reads a view shows; `refused: false` leaves the refused attempts out. */
async function buildReport(
  db: Queryable, child: string, from: string | undefined, to: string | undefined, now: Date,
  view: { keep: (e: DecisionEvent) => boolean; refused: boolean } = { keep: () => true, refused: true },
) {
  const bodies = await bodiesInTimeOrder(db, { child, kind: 'decision', from, to });
  const events = bodies.map((b) => JSON.parse(b) as DecisionEvent).filter((e) => (e.decision === 'permit' ? view.keep(e) : view.refused));

  const subjects = new Set<string>();
  const users = new Set<string>();
  const orgs = new Set<string>();
  for (const e of events) {
    if (e.actor?.user) users.add(e.actor.user);
    if (e.actor?.org) orgs.add(e.actor.org);
    for (const b of e.details?.basis ?? []) if (b.via) subjects.add(b.via);
  }
  const names = await lookupNames(db, [...users], [...orgs], [...subjects]);

  const reads = new Map<string, ReportRead>();
  /** The newest seq of each read, for which checkpoint covers it. */
  const seqs = new Map<string, number>();
  const refused: { when: string; user: string; name: string | null; organisation: string | null; sections: string[] }[] = [];
  for (const e of events) {
    const user = e.actor?.user ?? 'unknown';
    if (e.decision !== 'permit') {
      const last = refused[refused.length - 1];
      if (last && last.when === e.ts && last.user === user) last.sections.push(e.section ?? '');
      else refused.push({ when: e.ts, user, name: names.get(`user:${user}`) ?? null, organisation: e.actor?.org ?? null, sections: [e.section ?? ''] });
      continue;
    }
    const key = `${e.requestId ?? e.id}|${user}`;
    let read = reads.get(key);
    if (!read) {
      const org = e.actor?.org ?? null;
      read = {
        when: e.ts, user, name: names.get(`user:${user}`) ?? null, role: roleInWords(e.actor?.role),
        organisation: { code: org, name: org ? (names.get(`org:${org}`) ?? null) : null },
        sections: [], purpose: e.purpose ?? null, breakGlass: false, because: [], requestId: e.requestId ?? null, auditIds: [],
      };
      reads.set(key, read);
    }
    read.sections.push(e.section ?? '');
    read.auditIds.push(e.id);
    seqs.set(key, Math.max(seqs.get(key) ?? -1, e.seq));
    read.breakGlass ||= e.breakGlass === true;
    for (const b of e.details?.basis ?? []) {
      const words = describe(b, names);
      if (!read.because.includes(words)) read.because.push(words);
    }
  }
  const list = [...reads.values()];
  const byBasis: Record<string, number> = {};
  for (const e of events) {
    if (e.decision !== 'permit') continue;
    for (const b of e.details?.basis ?? []) {
      const k = b.kind === 'relationship' ? (b.type ?? 'relationship') : b.kind;
      byBasis[k] = (byBasis[k] ?? 0) + 1;
    }
  }
  const report = {
    child,
    from: from ?? null,
    to: to ?? null,
    generatedAt: now.toISOString(),
    summary: {
      reads: list.length,
      people: new Set(list.map((r) => r.user)).size,
      organisations: new Set(list.map((r) => r.organisation.code)).size,
      breakGlassReads: list.filter((r) => r.breakGlass).length,
      refusedAttempts: refused.length,
      sectionReadsByBasis: byBasis,
    },
    reads: list,
    refused,
  };
  return { report, readSeqs: [...reads.keys()].map((k) => seqs.get(k) ?? -1) };
}

/** Display names of the users, organisations and basis subjects (teams, organisations) the words need. */
export async function lookupNames(db: Queryable, users: string[], orgs: string[], subjects: string[]): Promise<Map<string, string>> {
  const teams = subjects.filter((s) => s.startsWith('team:')).map((s) => s.slice(5));
  const orgCodes = [...orgs, ...subjects.filter((s) => s.startsWith('org:')).map((s) => s.slice(4))];
  return displayNames(db, { users, orgs: orgCodes, teams });
}
