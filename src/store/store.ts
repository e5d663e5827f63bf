/**
 * The store: one interface, two implementations (PostgreSQL via `pg`, embedded PGlite).
 * Both speak the same SQL; they differ only where the drivers do (pool vs single connection, COPY).
 * Consumers take the narrowest interface they need: most take `Queryable`.
 */

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything that can run one parameterised statement: the store itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Store extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Bulk-loads rows into a table: COPY FROM STDIN on PostgreSQL, multi-row INSERTs on PGlite.
   * Values are written as text; null stays null; arrays must be given as PostgreSQL array literals.
   */
  copyRows(table: string, columns: string[], rows: Iterable<unknown[]> | AsyncIterable<unknown[]>): Promise<number>;
  /** Subscribes to a NOTIFY channel; returns the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /**
   * From now on, run everything as this database role (SET ROLE on every connection): the service
   * calls it after migrations so that its own role cannot update or delete the audit trail.
   */
  assumeRole(role: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown for any failure to reach or use the store; the HTTP edge maps it to 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Escapes one value for COPY text format. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const s = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
