/** Child processes the bench starts (the service, the baseline), each stopped by its own pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface Child {
  port: number;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Whatever happens to the bench, the processes it started go with it. */
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of running) c.kill('SIGKILL');
    process.exit(130);
  });
}

export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** CPU seconds so far of each PostgreSQL backend serving `database` (by its process title), by pid. */
export function postgresCpu(database: string): Map<number, number> {
  const out = new Map<number, number>();
  const title = new RegExp(`^postgres: .*?: \\S+ ${database.replace(/[^A-Za-z0-9_]/g, '')} `);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (title.test(readFileSync(`/proc/${name}/cmdline`, 'utf8'))) out.set(Number(name), cpuSeconds(Number(name)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds the backends of `database` used since `before` (backends that exited meanwhile are not counted). */
export function postgresCpuSince(before: Map<number, number>, database: string): number {
  let total = 0;
  for (const [pid, cpu] of postgresCpu(database)) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** Starts `node [nodeArgs] --import tsx <file>` and waits for its {"port","pid"} line. */
export async function startChild(file: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.resolve(import.meta.dirname, file)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (typeof msg.port === 'number') resolve(msg);
      } catch {
        // log lines
      }
    });
    void exited.then((code) => reject(new Error(`${file} exited (${code}) before listening: ${stderr}`)));
    setTimeout(() => reject(new Error(`${file} did not start within 60 s: ${stderr}`)), 60_000).unref();
  });
  return {
    ...ready,
    peakRssMb: () => peakRssMb(ready.pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface CpuPerRequest {
  /** The target processes together, the PostgreSQL backends of the database, and this process (the load generator). */
  target: number;
  postgres: number;
  loadGenerator: number;
}

/** Starts counting CPU; the function it returns gives the ms of CPU per request since then. */
export function cpuMeter(pids: number[], database: string): (requests: number) => CpuPerRequest {
  const [t0, p0, g0] = [pids.map(cpuSeconds), postgresCpu(database), process.cpuUsage()];
  return (requests) => {
    const g = process.cpuUsage(g0);
    const per = (seconds: number) => Math.round((seconds * 1e6) / requests) / 1000;
    return {
      target: per(pids.reduce((a, pid, i) => a + cpuSeconds(pid) - t0[i], 0)),
      postgres: per(postgresCpuSince(p0, database)),
      loadGenerator: per((g.user + g.system) / 1e6),
    };
  };
}
