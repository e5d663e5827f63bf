/** The text a pdfkit PDF written with `compress: false` shows: its `[<hex> kerning <hex>] TJ` runs, one line each. */
export function pdfText(pdf: Buffer): string {
  const runs = pdf.toString('latin1').match(/\[([^\]]*)\] TJ/g) ?? [];
  return runs.map((run) => [...run.matchAll(/<([0-9a-f]*)>/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1')).join('')).join('\n');
}
