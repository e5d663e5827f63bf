/** Reading CSV in tests, independently of the service's writer. */

/** RFC 4180 records, read by a header row into objects. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      record.push(cell);
      cell = '';
    } else if (!quoted && ch === '\n') {
      records.push([...record, cell]);
      record = [];
      cell = '';
    } else {
      cell += ch;
    }
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}
