/**
 * The parent-safe access report as a PDF (for a subject access request), citing the signed checkpoint
 * that covers it: the newest checkpoint, which covers every read whose seq is below its tree size.
 * Checkpoints are signed about once a second, so a report of reads made a moment ago may not be covered
 * yet: the PDF then says which reads are not, and the cut-off, rather than claiming a proof it lacks.
 */
import PDFDocument from 'pdfkit';
import type { Checkpoint } from '../trail/checkpointer.ts';
import type { Queryable } from '../store/store.ts';
import type { TrailAppender } from '../trail/log.ts';
import type { Asker } from './audit-query.ts';
import { producedReport, type ParentSafeReport } from './access-report.ts';
import { newestCheckpoint, type CheckpointSource } from './checkpoints.ts';

export interface ReportPdf {
  pdf: Buffer;
  filename: string;
  checkpoint: Checkpoint;
  /** How many of the report's reads the cited checkpoint does not cover yet. */
  uncovered: number;
}

/** The parent-safe report of a child in [from, to) as a PDF; recorded on the trail (view parent-safe, format pdf) first. */
export async function parentSafeReportPdf(
  deps: { db: Queryable; trail: TrailAppender; now: () => Date; checkpoints: CheckpointSource },
  who: Asker,
  child: string,
  query: { from?: string; to?: string },
): Promise<ReportPdf> {
  const { report, readSeqs } = await producedReport(deps, who, child, { ...query, format: 'pdf', view: 'parent-safe' });
  const checkpoint = await newestCheckpoint(deps.checkpoints);
  const covered = readSeqs.map((seq) => seq < checkpoint.treeSize);
  const pdf = await render(report as ParentSafeReport, checkpoint, covered);
  return { pdf, filename: `child-access-report-${report.generatedAt.slice(0, 10)}.pdf`, checkpoint, uncovered: covered.filter((c) => !c).length };
}

const when = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;
const spaced = (nhs: string) => `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;

/** Text is written uncompressed: the PDF is small, and its words can be checked by reading its bytes. */
function render(report: ParentSafeReport, cp: Checkpoint, covered: boolean[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, compress: false, info: { Title: 'Who has read your child\'s record', Author: 'needtoknow', CreationDate: new Date(report.generatedAt) } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const heading = (text: string, size = 13) => doc.moveDown(0.8).font('Helvetica-Bold').fontSize(size).text(text).font('Helvetica').fontSize(10).moveDown(0.3);
  const line = (label: string, value: string) => doc.font('Helvetica-Bold').text(`${label}: `, { continued: true }).font('Helvetica').text(value);

  doc.font('Helvetica-Bold').fontSize(18).text('Who has read your child\'s record');
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  line('NHS number', spaced(report.child));
  line('Period', `${report.from ? when(report.from) : 'from the start of the record'} to ${report.to ? when(report.to) : when(report.generatedAt)}`);
  line('Produced', when(report.generatedAt));
  doc.moveDown(0.5).text(report.notice);

  heading('Summary');
  const { reads, organisations, breakGlassReads } = report.summary;
  doc.text(`${reads} ${reads === 1 ? 'read' : 'reads'} of the record by staff of ${organisations} ${organisations === 1 ? 'organisation' : 'organisations'}` +
    `${breakGlassReads ? `, ${breakGlassReads} of them under emergency access (break-glass), each reviewed afterwards by information governance` : ''}.`);

  heading('Who read the record, oldest first');
  if (!report.reads.length) doc.text('Nobody read this record in this period.');
  report.reads.forEach((r, i) => {
    doc.font('Helvetica-Bold').text(`${when(r.when)}: ${r.role ?? 'member of staff'}, ${r.organisation.name ?? r.organisation.code ?? 'organisation not recorded'}`);
    doc.font('Helvetica');
    doc.text(`Read: ${r.sections.join(', ')}`, { indent: 12 });
    if (r.purpose) doc.text(`For: ${r.purpose}`, { indent: 12 });
    if (r.because.length) doc.text(`Allowed because: ${r.because.join('; ')}`, { indent: 12 });
    if (r.breakGlass) doc.text('Emergency access (break-glass), reviewed afterwards by information governance', { indent: 12 });
    if (!covered[i]) doc.text('Recorded after the checkpoint below was signed: not yet covered by it.', { indent: 12 });
    doc.moveDown(0.4);
  });

  heading('How this report can be checked');
  const uncovered = covered.filter((c) => !c).length;
  const origin = cp.note.split('\n')[0];
  doc.text('This report was produced from the needtoknow audit trail. Every read of the record is appended to the trail, which cannot be ' +
    'changed without detection: its events are the leaves of a Merkle tree (RFC 9162) whose root is signed about once a second as a checkpoint ' +
    '(a C2SP signed note, Ed25519).');
  doc.moveDown(0.4);
  doc.text(uncovered
    ? `${uncovered} of the ${covered.length} reads listed were recorded after the newest signed checkpoint, so it does not cover them yet: ` +
      `the cut-off is the checkpoint's tree size (events 0 to ${cp.treeSize - 1}, signed at ${when(cp.timestamp)}). Download the report again in a moment for one that is fully covered.`
    : `Every read listed is among the first ${cp.treeSize} events of the trail, which this checkpoint signs.`);
  doc.moveDown(0.4);
  line('Log (checkpoint origin)', origin);
  line('Tree size', String(cp.treeSize));
  line('Root hash (base64)', cp.rootHash);
  line('Signed at', cp.timestamp);
  line('Signature key id', cp.keyId);
  // Printed lines wrap the signature; the attachment keeps the note's exact bytes for the verifier.
  doc.file(Buffer.from(cp.note, 'utf8'), { name: 'checkpoint.txt', type: 'text/plain', description: 'The signed checkpoint note', creationDate: new Date(cp.timestamp) });
  doc.moveDown(0.4).text('The signed checkpoint note (attached to this PDF, byte for byte, as checkpoint.txt):');
  doc.moveDown(0.2).font('Courier').fontSize(7).text(cp.note.trimEnd(), { indent: 12 }).font('Helvetica').fontSize(10);
  doc.moveDown(0.4);
  doc.text('To verify: the log\'s public keys are published, without sign-in, at GET /v1/audit/keys (save the answer as keys.json). ' +
    'Anyone given an export of the trail by information governance (GET /v1/audit/export?format=ndjson), for example a regulator, runs the ' +
    'independent verifier, audit/verify.mjs, which uses nothing but Node.js:');
  doc.moveDown(0.2).font('Courier').fontSize(8).text('node audit/verify.mjs --events export.ndjson --keys keys.json --trusted checkpoint.txt', { indent: 12 }).font('Helvetica').fontSize(10);
  doc.moveDown(0.2).text('It checks the checkpoint\'s signature and that the first events of the export have exactly this root hash, and names the first ' +
    'altered event if any. Information governance can also prove that any single event is in the tree this checkpoint signs (GET /v1/audit/events/{id}).');
  doc.end();
  return done;
}
