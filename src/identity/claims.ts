/** The CIS2-shaped claims needtoknow reads from an access token. */
import { z } from 'zod';

export const nrbacRole = z.object({
  person_roleid: z.string().min(1),
  org_code: z.string().min(1),
  role_code: z.string().min(1),
  role_name: z.string().optional(),
  activity_codes: z.array(z.string()).default([]),
  workgroups_codes: z.array(z.string()).default([]),
});

export const cis2Claims = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  nhsid_useruid: z.string().optional(),
  selected_roleid: z.string().optional(),
  nhsid_nrbac_roles: z.array(nrbacRole).optional(),
  azp: z.string().optional(),
  client_id: z.string().optional(),
  scope: z.string().optional(),
});

export type NrbacRole = z.infer<typeof nrbacRole>;
/**
 * Verified claims. `sub` is the issuer-scoped user id (see issuers.ts); `iss` and `machineClient` are
 * set by the verifier from its configuration, never read from the token.
 */
export type Cis2Claims = z.infer<typeof cis2Claims> & {
  iss?: string;
  /** The token's client is one of its issuer's configured machine clients. */
  machineClient?: boolean;
};
