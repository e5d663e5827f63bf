/**
 * One of the two monitoring processes of tests/monitoring/two-processes.test.ts: opens the database named
 * by NTK_2P_URL, says "ready", waits for "go" on stdin (so both start together), then runs rounds without
 * waiting for the lock (as the service's poller does) until a round it ran found the trail read to its head
 * and opened nothing. Prints its tally as one JSON line.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgres } from '../../src/store/postgres.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { MonitoringRunner } from '../../src/monitoring/runner.ts';
import { loadMonitoringPolicy } from '../../src/monitoring/policy.ts';

const store = await openPostgres({ connectionString: process.env.NTK_2P_URL!, max: 2 });
const now = new Date(Number(process.env.NTK_2P_NOW));
const runner = new MonitoringRunner(
  { store, trail: new AuditLog(store, new AuditTree(store)), now: () => now },
  { ...loadMonitoringPolicy(), batchSize: Number(process.env.NTK_2P_BATCH) },
);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const tally = { ran: 0, refused: 0, events: 0, opened: 0 };
for (;;) {
  const r = await runner.runOnce();
  if (!r.ran) {
    tally.refused++;
    await sleep(2); // the other process holds the lock: let it work rather than spin on the database
    continue;
  }
  tally.ran++;
  tally.events += r.events;
  tally.opened += r.opened;
  if (r.lagEvents === 0 && r.opened === 0) break;
}
process.stdout.write(`${JSON.stringify(tally)}\n`);
await store.close();
