/**
 * What an audit event records: identifiers, never clinical content.
 * The stored `body` is the event's RFC 8785 canonical JSON; its leaf hash is SHA-256(0x00 || body),
 * as RFC 9162 defines for Merkle tree leaves. Those bytes are what the independent verifier re-hashes.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export interface AuditActor {
  /** User id (`sub`), or the machine client's id for integration feeds. */
  user?: string;
  /** Product role decided from the selected CIS2 role. */
  role?: string;
  /** The selected CIS2 role: its person_roleid and role_code. */
  roleId?: string;
  roleCode?: string;
  org?: string;
  /** Calling system (`azp`). */
  client?: string;
}

export interface AuditEventInput {
  /** decision | explain | grant | grant-revoke | break-glass | break-glass-review | relationship | fact | policy | audit-query | ... */
  kind: string;
  actor?: AuditActor;
  child?: string;
  section?: string;
  action?: string;
  purpose?: string;
  decision?: 'permit' | 'deny';
  /** Set on every event made under break-glass. */
  breakGlass?: boolean;
  requestId?: string;
  policyVersion?: string;
  /** Basis, precise reason, filters, counts: whatever explains the event, identifiers only. */
  details?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  v: 1;
  seq: number;
  id: string;
  ts: string;
}

export function canonicalBytes(event: AuditEvent): Buffer {
  const text = canonicalize(event);
  if (text === undefined) throw new Error('audit event cannot be canonicalised');
  return Buffer.from(text, 'utf8');
}

export function leafHash(body: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(body).digest();
}
