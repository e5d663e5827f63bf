/**
 * A worked record-open flow with the typed client, against `npm start` (the demo):
 *
 *   1. a clinic list: one batch authorise for every child on it (a bad NHS number fails only its own slot);
 *   2. what to show: the sections permitted, the basis in words, the obligations (redact:<field>);
 *   3. a safeguarding lead grants access, and the next authorise passes the grant's consistency token as
 *      `atLeast`, so it is decided on facts that include the grant (any process, any replica);
 *   4. an emergency: break-glass, then authorise with purposeOfUse BTG and show the break-glass banner.
 *
 * Run (after `npm start`, with the export lines it prints):
 *   NTK_CHILDREN=<nhs>,<nhs> npx tsx clients/typescript/example.ts
 * Environment: NTK_URL (default http://localhost:8080), NTK_TOKEN_HEALTH_VISITOR, NTK_TOKEN_SAFEGUARDING_LEAD,
 * NTK_CHILDREN (the clinic list: the health visitor's "can read" and "cannot read" children from the demo banner).
 */
import { createNeedToKnowClient, isItemProblem, type AuthoriseRequest, type Problem, type SectionDecision } from './index.ts';

const baseUrl = process.env.NTK_URL ?? 'http://localhost:8080';
const clinicianToken = required('NTK_TOKEN_HEALTH_VISITOR');
const leadToken = process.env.NTK_TOKEN_SAFEGUARDING_LEAD;
const clinicList = required('NTK_CHILDREN').split(',').map((s) => s.trim()).filter(Boolean);

const clinician = createNeedToKnowClient({ baseUrl, token: clinicianToken });
const read = (child: string, extra: Partial<AuthoriseRequest> = {}): AuthoriseRequest =>
  ({ child, sections: ['demographics', 'immunisations', 'health-visiting'], action: 'read', purposeOfUse: 'TREAT', ...extra });

// 1. The clinic list, in one call. The last item is deliberately not an NHS number.
const batch = await clinician.POST('/v1/authorise:batch', { body: { requests: [...clinicList.map((c) => read(c)), read('not-a-number')] } });
if (batch.error) fail('batch', batch.error);
const denied: string[] = [];
batch.data.results.forEach((result, i) => {
  const child = [...clinicList, 'not-a-number'][i];
  if (isItemProblem(result)) {
    console.log(`${child}: not asked (${result.problem.errors?.map((e) => `${e.field}: ${e.message}`).join('; ') ?? result.problem.title})`);
    return;
  }
  console.log(`${child}:`);
  show(result.decisions);
  if (result.decisions.some((d) => d.decision === 'deny')) denied.push(child);
});

const child = denied[0];
if (!child) {
  console.log('\nEvery child on the list is readable: give NTK_CHILDREN a child the health visitor cannot read to see grants and break-glass.');
  process.exit(0);
}

// 3. A grant by a safeguarding lead, then authorise at least as fresh as the grant.
if (leadToken) {
  const lead = createNeedToKnowClient({ baseUrl, token: leadToken });
  const grant = await lead.POST('/v1/grants', {
    body: {
      child, grantee: `user:${subjectOf(clinicianToken)}`, sections: ['health-visiting'], purposeOfUse: 'TREAT',
      reason: 'Covering the named health visitor during leave', expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
  });
  if (grant.error) {
    console.log(`\ngrant refused (${grant.error.status}): ${grant.error.detail ?? grant.error.title}`);
  } else {
    console.log(`\ngrant ${grant.data.id} until ${grant.data.expiresAt}; authorising with atLeast ${grant.data.consistencyToken}`);
    const after = await clinician.POST('/v1/authorise', { body: read(child, { sections: ['health-visiting'], atLeast: grant.data.consistencyToken }) });
    if (after.error) fail('authorise after grant', after.error);
    show(after.data.decisions);
  }
}

// 4. An emergency: declare break-glass, then read under BTG; the answer obliges a banner.
const glass = await clinician.POST('/v1/break-glass', { body: { child, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Seen urgently in clinic; history needed now', durationMinutes: 30 } });
if (glass.error) fail('break-glass', glass.error);
console.log(`\nbreak-glass ${glass.data.id} until ${glass.data.expiresAt}`);
const btg = await clinician.POST('/v1/authorise', {
  body: read(child, { sections: ['health-visiting', 'safeguarding'], purposeOfUse: 'BTG', breakGlassId: glass.data.id, atLeast: glass.data.consistencyToken }),
});
if (btg.error) fail('authorise under break-glass', btg.error);
show(btg.data.decisions);

/** 2. What the screen shows for each section. */
function show(decisions: SectionDecision[]): void {
  for (const d of decisions) {
    if (d.decision === 'deny') {
      console.log(`  ${d.section}: not shown. ${d.message ?? d.reasons?.join(', ')}`);
      continue;
    }
    if (d.obligations?.includes('break-glass-banner')) console.log(`  ┃ BREAK-GLASS: this ${d.section} view is an emergency access, recorded and reviewed`);
    const redact = (d.obligations ?? []).filter((o) => o.startsWith('redact:')).map((o) => o.slice('redact:'.length));
    console.log(`  ${d.section}: shown${redact.length ? `, hiding ${redact.join(', ')}` : ''} (${(d.basis ?? []).map((b) => b.display ?? b.kind).join('; ')})`);
  }
}

function subjectOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { sub: string }).sub;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required (see the comment at the top of clients/typescript/example.ts)`);
    process.exit(2);
  }
  return value;
}

function fail(what: string, problem: Problem | { status?: number; title?: string; detail?: string }): never {
  console.error(`${what} failed: ${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
  process.exit(1);
}
