/**
 * Remembers the users seen in access tokens, with the claims of their selected role, so that the
 * views of "who can see" (exposure, reach) include staff no feed has sent yet. Written before the
 * first decision for a user (and again whenever their selected role's claims change); a process
 * remembers what it wrote, and which verified claims it has handled, so the usual request costs one
 * WeakSet lookup.
 */
import type { Cis2Claims } from './claims.ts';
import { selectedRole } from './principal.ts';

export interface SeenWriter {
  recordSeen(p: { userId: string; issuer: string; orgCode: string; roleCode: string; activities: string[]; workgroups: string[] }, now: Date): Promise<void>;
}

const MAX_REMEMBERED = 50_000;

export class SeenPrincipals {
  private readonly written = new Map<string, string>();
  /** Claims objects already handled: TokenVerifier hands back the same object for every use of a token, so the usual request stops here. */
  private readonly handled = new WeakSet<Cis2Claims>();

  constructor(
    private readonly table: SeenWriter,
    private readonly now: () => Date,
  ) {}

  async remember(claims: Cis2Claims): Promise<void> {
    if (this.handled.has(claims)) return;
    const role = selectedRole(claims);
    if (!role || claims.machineClient) return;
    const record = {
      userId: claims.sub, issuer: claims.iss ?? '', orgCode: role.org_code, roleCode: role.role_code,
      activities: [...role.activity_codes].sort(), workgroups: [...role.workgroups_codes].sort(),
    };
    const signature = JSON.stringify(record);
    if (this.written.get(record.userId) !== signature) {
      await this.table.recordSeen(record, this.now());
      if (this.written.size >= MAX_REMEMBERED) this.written.delete(this.written.keys().next().value!);
      this.written.set(record.userId, signature);
    }
    this.handled.add(claims);
  }
}
