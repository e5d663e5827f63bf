/**
 * Holds the current policy and swaps in a new one atomically: a request takes `current` once and
 * decides on it, so no request ever sees a half-loaded policy. Reloads follow changes to the policy
 * files, and a NOTIFY on 'ntk_policy' when several processes share one PostgreSQL.
 * If no policy can be loaded at start, the holder denies everything and /readyz says not ready.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { loadPolicy, policiesDir, Policy } from './policy.ts';

export type PolicyChange = (from: Policy, to: Policy) => Promise<void> | void;

export class PolicyHolder {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  loaded = false;

  private constructor(
    public current: Policy,
    private readonly dir: string,
    private readonly log: Logger,
    private readonly onChange: PolicyChange,
  ) {}

  static async open(log: Logger, onChange: PolicyChange, dir = policiesDir): Promise<PolicyHolder> {
    try {
      const holder = new PolicyHolder(await loadPolicy(dir), dir, log, onChange);
      holder.loaded = true;
      return holder;
    } catch (err) {
      log.error({ err: (err as Error).message }, 'policy could not be loaded: denying everything');
      return new PolicyHolder(await Policy.denyAll(), dir, log, onChange);
    }
  }

  /** Rebuilds the policy from its files; keeps the current one when the new files are broken. */
  async reload(): Promise<boolean> {
    let next: Policy;
    try {
      next = await loadPolicy(this.dir);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'policy reload failed: keeping the current policy');
      return false;
    }
    if (next.version === this.current.version && this.loaded) return false;
    const previous = this.current;
    this.current = next;
    this.loaded = true;
    this.log.info({ from: previous.version, to: next.version }, 'policy changed');
    await this.onChange(previous, next);
    return true;
  }

  /** Reloads shortly after any policy file changes (editors write in several steps). */
  watchFiles(): void {
    this.watcher = watch(this.dir, { recursive: false }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), 200);
    });
    this.watcher.on('error', () => {});
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
