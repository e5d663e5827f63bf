/** Wraps a store so that every statement and transaction is an OpenTelemetry span (a no-op without an SDK). */
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Queryable, Store } from './store.ts';

const tracer = trace.getTracer('needtoknow.store');

function inSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The first words of a statement, as a low-cardinality span name (never parameters). */
function operation(sql: string): string {
  return sql.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? 'sql';
}

export function traced(store: Store): Store {
  const attrs = { 'db.system': 'postgresql', 'db.store': store.kind };
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => inSpan(`db ${operation(sql)}`, attrs, () => q.query(sql, params)),
  });
  return {
    ...store,
    kind: store.kind,
    query: wrap(store).query,
    transaction: (fn) => inSpan('db transaction', attrs, () => store.transaction((tx) => fn(wrap(tx)))),
    copyRows: (table, columns, rows) => inSpan('db copy', { ...attrs, 'db.table': table }, () => store.copyRows(table, columns, rows)),
    listen: (c, h) => store.listen(c, h),
    notify: (c, p) => store.notify(c, p),
    assumeRole: (r) => store.assumeRole(r),
    close: () => store.close(),
  };
}
