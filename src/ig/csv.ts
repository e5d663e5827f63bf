/**
 * CSV for the IG exports, formula-safe: a cell that starts with =, +, -, @, tab or CR is prefixed
 * with a single quote, so a spreadsheet shows it as text and never runs it as a formula (OWASP CSV
 * injection). Names, reasons and client ids come from feeds and tokens, so any cell may be hostile.
 * Numbers are left alone (a negative number is not a formula).
 */
import { stringify, type Options } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

const options = (columns: string[]): Options => ({ header: true, columns, escape_formulas: true });

/** The whole CSV of `rows` at once (for reports that are already in memory). */
export function toCsv(columns: string[], rows: unknown[][]): string {
  return stringifySync(rows, options(columns));
}

/** A CSV stream: write rows to it, read text from it. */
export function csvStream(columns: string[]) {
  return stringify(options(columns));
}
