/**
 * NDJSON import of relationships. Reads the request as a stream, line by line (memory stays flat for
 * any number of lines), validates each line, and commits valid lines in batches, each batch with its
 * audit events in the same transaction. Bad lines are reported with their line number and skipped.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Principal } from '../identity/principal.ts';
import type { Services } from '../services.ts';
import type { FieldError } from '../http/problem.ts';
import type { Queryable } from '../store/store.ts';
import { actorOf } from '../trail/actor.ts';
import { relationshipInput, type RelationshipInput } from './relationships.ts';
import { recordChange } from './changes.ts';
import { randomUUID } from 'node:crypto';

const BATCH = 1000;
const MAX_REPORTED_ERRORS = 1000;

export interface ImportReport {
  accepted: number;
  rejected: number;
  consistencyToken: string | null;
  errors: { line: number; errors: FieldError[] }[];
  errorsTruncated: boolean;
}

interface Line {
  line: number;
  input: RelationshipInput;
}

export async function importRelationships(stream: Readable, services: Services, principal: Principal, requestId: string): Promise<ImportReport> {
  const report: ImportReport = { accepted: 0, rejected: 0, consistencyToken: null, errors: [], errorsTruncated: false };
  const reject = (line: number, errors: FieldError[]) => {
    report.rejected++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, errors });
    else report.errorsTruncated = true;
  };
  let batch: Line[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const lines = batch;
    batch = [];
    const token = await commitBatch(lines, services, principal, requestId, reject);
    if (token) report.consistencyToken = token;
  };

  let n = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    n++;
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      reject(n, [{ field: 'line', message: 'not valid JSON' }]);
      continue;
    }
    const parsed = relationshipInput.safeParse(json);
    if (!parsed.success) {
      reject(n, parsed.error.issues.map((i) => ({ field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : 'line'), message: i.message })));
      continue;
    }
    batch.push({ line: n, input: parsed.data });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return report;

  async function commitBatch(lines: Line[], s: Services, p: Principal, rid: string, rej: typeof reject): Promise<string | null> {
    const now = s.now().toISOString();
    return s.store.transaction(async (tx) => {
      const known = await knownReferences(tx, lines);
      const good = lines.filter(({ line, input }) => {
        const errors: FieldError[] = [];
        if (!known.children.has(input.child)) errors.push({ field: 'child', message: 'no child with this NHS number has been fed' });
        if (!known.subjects.has(input.subject) && /^(team|user):/.test(input.subject)) {
          errors.push({ field: 'subject', message: 'no team or user with this id has been fed' });
        }
        if (errors.length) rej(line, errors);
        return !errors.length;
      });
      if (!good.length) return null;
      const ids = good.map(() => randomUUID());
      await tx.query(
        `insert into relationships (id, child, subject, type, valid_from, valid_to, source, reason, created_by)
         select i, c, s, t, coalesce(f, $10::timestamptz), v, src, r, $9
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
             as x(i, c, s, t, f, v, src, r)`,
        [
          ids, good.map((g) => g.input.child), good.map((g) => g.input.subject), good.map((g) => g.input.type),
          good.map((g) => g.input.validFrom ?? null), good.map((g) => g.input.validTo ?? null), good.map((g) => g.input.source),
          good.map((g) => g.input.reason ?? null), p.userId, now,
        ],
      );
      const token = await recordChange(tx, 'relationship-import', `${good.length}`);
      await s.audit.appendWithin(tx, good.map((g, i) => ({
        kind: 'relationship', actor: actorOf(p), child: g.input.child, requestId: rid,
        details: { change: 'start', id: ids[i], subject: g.input.subject, type: g.input.type, validFrom: g.input.validFrom ?? now, validTo: g.input.validTo ?? null, source: g.input.source, import: true },
      })));
      report.accepted += good.length;
      return token;
    });
  }
}

async function knownReferences(tx: Queryable, lines: Line[]): Promise<{ children: Set<string>; subjects: Set<string> }> {
  const children = [...new Set(lines.map((l) => l.input.child))];
  const subjects = [...new Set(lines.map((l) => l.input.subject).filter((s) => /^(team|user):/.test(s)))];
  const { rows } = await tx.query<{ children: string[]; subjects: string[] }>(
    `select (select coalesce(array_agg(nhs_number), '{}') from children where nhs_number = any($1::text[])) as children,
            (select coalesce(array_agg(s), '{}') from unnest($2::text[]) s
              where (s like 'team:%' and substr(s, 6) in (select id from teams))
                 or (s like 'user:%' and substr(s, 6) in (select id from users))) as subjects`,
    [children, subjects],
  );
  return { children: new Set(rows[0].children), subjects: new Set(rows[0].subjects) };
}
