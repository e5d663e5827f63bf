/** The authorise request and response, as the contract defines them. */
import { z } from '../http/zod.ts';
import { consistencyToken, nhsNumber, purpose, section } from '../http/schemas.ts';

export const authoriseRequest = z
  .strictObject({
    child: nhsNumber,
    sections: z.array(section).min(1).max(7).refine((s) => new Set(s).size === s.length, 'sections must not repeat'),
    action: z.literal('read'),
    purposeOfUse: purpose,
    breakGlassId: z.string().uuid().optional(),
    atLeast: consistencyToken.optional(),
  })
  .refine((r) => r.purposeOfUse !== 'BTG' || r.breakGlassId, { message: 'BTG needs the breakGlassId of a live break-glass', path: ['breakGlassId'] })
  .openapi('AuthoriseRequest', {
    example: { child: '9434765919', sections: ['immunisations', 'safeguarding'], action: 'read', purposeOfUse: 'TREAT' },
  });
export type AuthoriseRequest = z.infer<typeof authoriseRequest>;

const basis = z.object({
  kind: z.enum(['relationship', 'grant', 'break-glass', 'override']),
  type: z.string().optional(),
  via: z.string().optional(),
  until: z.string().optional(),
  grantId: z.string().optional(),
  breakGlassId: z.string().optional(),
  restriction: z.string().optional(),
});

export const sectionDecision = z.object({
  section,
  decision: z.enum(['permit', 'deny']),
  auditId: z.string(),
  basis: z.array(basis).optional(),
  obligations: z.array(z.string()).optional(),
  reasons: z.array(z.enum(['NO_LEGITIMATE_RELATIONSHIP', 'ROLE_NOT_PERMITTED', 'PURPOSE_NOT_PERMITTED', 'NOT_PERMITTED'])).optional(),
});

export const authoriseResponse = z
  .object({ decisions: z.array(sectionDecision), policyVersion: z.string() })
  .openapi('AuthoriseResponse');

export const batchRequest = z.strictObject({ requests: z.array(authoriseRequest).min(1).max(100) }).openapi('AuthoriseBatchRequest');
export const batchResponse = z.object({ results: z.array(authoriseResponse) }).openapi('AuthoriseBatchResponse');
