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
  display: z.string().optional().openapi({ description: 'The basis in words, for the screen: who, what relationship, until when', example: 'Banbury Health Visiting, caseload until 12 March 2027' }),
});

export const sectionDecision = z.object({
  section,
  decision: z.enum(['permit', 'deny']),
  auditId: z.string(),
  basis: z.array(basis).optional(),
  obligations: z.array(z.string()).optional(),
  reasons: z.array(z.enum(['NO_LEGITIMATE_RELATIONSHIP', 'ROLE_NOT_PERMITTED', 'PURPOSE_NOT_PERMITTED', 'NOT_PERMITTED'])).optional(),
  message: z.string().optional().openapi({ description: 'On a deny: what to tell the user, saying no more than the coarse reason' }),
});

export const authoriseResponse = z
  .object({ decisions: z.array(sectionDecision), policyVersion: z.string() })
  .openapi('AuthoriseResponse');

/**
 * The batch envelope. Its items are checked one by one (an invalid item is a problem in its own slot,
 * see routes.ts), so here they are anything; the document still describes them as AuthoriseRequest.
 */
export const batchRequest = z
  .strictObject({ requests: z.array(z.unknown().openapi({ $ref: '#/components/schemas/AuthoriseRequest' } as never)).min(1).max(100) })
  .openapi('AuthoriseBatchRequest');

const itemProblem = z
  .object({ problem: z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() }) })
  .openapi('AuthoriseBatchItemProblem', { description: 'An item that was not a valid authorise request: nothing was decided or audited for it' });

export const batchResponse = z
  .object({ results: z.array(z.union([authoriseResponse, itemProblem])) })
  .openapi('AuthoriseBatchResponse');
