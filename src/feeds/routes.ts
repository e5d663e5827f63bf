/** Integration feeds (role access-admin): organisations, teams, staff, children and relationships. */
import { PassThrough } from 'node:stream';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { area, id, nhsNumber, orgKind, teamKind } from '../http/schemas.ts';
import { InvalidInput, TooLarge } from '../errors.ts';
import { putOrg, putTeam, putUser } from './organisation.ts';
import { childInput, putChild } from './children.ts';
import { endRelationship, relationshipInput, relationshipOutput, startRelationship } from './relationships.ts';
import { importRelationships, MAX_LINE_BYTES, MAX_REPORTED_ERRORS } from './import.ts';

const FEEDS = { capability: 'feeds' } as const;
const written = z.object({ consistencyToken: z.string() }).passthrough().openapi('Written');

export function feedRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'putOrganisation', method: 'put', path: '/v1/orgs/{orgCode}', summary: 'Create or update an organisation', tags: ['feeds'], auth: FEEDS,
      description: 'Extension: the role mapping needs to know which organisations are GP practices.',
      params: z.object({ orgCode: id }),
      body: z.strictObject({ name: z.string().trim().min(1).max(200), kind: orgKind, area: area.optional() }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) => {
        const r = await putOrg(services.changes, { principal, requestId }, { code: params.orgCode, ...body });
        return { status: r.created ? 201 : 200, body: { orgCode: params.orgCode, ...body, consistencyToken: r.consistencyToken } };
      },
    }),
    defineRoute({
      operationId: 'putTeam', method: 'put', path: '/v1/teams/{teamId}', summary: 'Create or update a team and the schools it covers', tags: ['feeds'], auth: FEEDS,
      examples: {team: {summary: 'A health-visiting team', value: {name: 'Banbury Health Visiting', orgCode: 'RNU', kind: 'health-visiting', area: 'oxfordshire'}}},
      params: z.object({ teamId: id }),
      body: z.strictObject({
        name: z.string().trim().min(1).max(200), orgCode: id, kind: teamKind, area,
        schools: z.array(z.string().regex(/^[0-9]{6,7}$/, 'a school URN')).max(500).optional(),
      }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) => {
        const r = await putTeam(services.changes, { principal, requestId }, { id: params.teamId, ...body, schools: body.schools ?? [] });
        return { status: r.created ? 201 : 200, body: { teamId: params.teamId, ...body, consistencyToken: r.consistencyToken } };
      },
    }),
    defineRoute({
      operationId: 'putUser', method: 'put', path: '/v1/users/{userId}', summary: 'Create or update a member of staff and their teams', tags: ['feeds'], auth: FEEDS,
      params: z.object({ userId: id }),
      body: z.strictObject({
        name: z.string().trim().min(1).max(200), orgCode: id, teams: z.array(id).max(50),
        familyName: z.string().trim().min(1).max(200).optional(), postcode: z.string().trim().min(2).max(10).optional(),
      }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) => {
        const r = await putUser(services.changes, services.hasher, { principal, requestId }, { id: params.userId, ...body });
        return { status: r.created ? 201 : 200, body: { userId: params.userId, name: body.name, orgCode: body.orgCode, teams: body.teams, consistencyToken: r.consistencyToken } };
      },
    }),
    defineRoute({
      operationId: 'putChild', method: 'put', path: '/v1/children/{nhsNumber}', summary: 'Create or update a child', tags: ['feeds'], auth: FEEDS,
      examples: {child: {summary: 'A child registered at a practice and enrolled at a school', value: {dateOfBirth: '2019-05-14', area: 'oxfordshire', gpPractice: 'K84001', school: '123456', familyName: 'Smith', postcode: 'OX16 1AA'}}},
      description: 'Names and postcodes are kept only as keyed hashes. A change of GP practice or school ends the old relationship and starts the new; a change of area gives the old teams a handover window.',
      params: z.object({ nhsNumber }),
      body: childInput,
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) => {
        const { handoverDays } = services.policy.current.parameters;
        const change = await putChild(services.changes, services.hasher, handoverDays, { principal, requestId }, params.nhsNumber, body);
        return { status: change.created ? 201 : 200, body: { nhsNumber: params.nhsNumber, created: change.created, changed: change.changed, consistencyToken: change.consistencyToken } };
      },
    }),
    defineRoute({
      operationId: 'createRelationship', method: 'post', path: '/v1/relationships', summary: 'Start a relationship between a user, team, organisation or school and a child', tags: ['feeds'], auth: FEEDS,
      examples: {caseload: {summary: 'A health-visiting team takes a child onto its caseload', value: {child: '9434765919', subject: 'team:HV-BANBURY', type: 'caseload', validTo: '2027-03-12T00:00:00Z', source: 'community-system'}}},
      body: relationshipInput,
      responses: { 201: { description: 'Created', schema: relationshipOutput } },
      handler: async ({ body, services, principal, requestId }) => {
        const rel = await startRelationship(services.changes, { principal, requestId }, body);
        return { status: 201, headers: { Location: `/v1/relationships/${rel.id}` }, body: rel };
      },
    }),
    defineRoute({
      operationId: 'endRelationship', method: 'delete', path: '/v1/relationships/{id}', summary: 'End a relationship now (its history is kept)', tags: ['feeds'], auth: FEEDS,
      params: z.object({ id: z.string().uuid() }),
      responses: { 200: { description: 'Ended', schema: relationshipOutput }, 404: { description: 'No such relationship' } },
      handler: async ({ params, services, principal, requestId }) => ({ body: await endRelationship(services.changes, { principal, requestId }, params.id) }),
    }),
    defineRoute({
      operationId: 'importRelationships', method: 'post', path: '/v1/relationships:import', summary: 'Import relationships from NDJSON (one relationship object per line)', tags: ['feeds'], auth: FEEDS,
      description: `Send Content-Type application/x-ndjson. Streams: any number of lines up to ${MAX_LINE_BYTES} bytes each, committed in batches; bad lines are reported (the first ${MAX_REPORTED_ERRORS}, with the total in rejected) and skipped, good lines kept. A body over NTK_IMPORT_BODY_LIMIT (default 50 MB) is 413. Idempotent: sending the same body again creates nothing twice (duplicates counts those lines).`,
      responses: {
        413: { description: 'The body is larger than NTK_IMPORT_BODY_LIMIT' },
        415: { description: 'The body is not sent as Content-Type: application/x-ndjson' },
        200: {
          description: 'Counts and per-line errors',
          schema: z.object({
            accepted: z.number().int(), duplicates: z.number().int(), rejected: z.number().int(), consistencyToken: z.string().nullable(),
            errors: z.array(z.object({ line: z.number().int(), errors: z.array(z.object({ field: z.string(), message: z.string() })) })),
            errorsTruncated: z.boolean(),
          }),
        },
      },
      handler: async ({ req, services, principal, requestId }) => {
        if (!/^application\/(x-)?ndjson\b/.test(req.get('content-type') ?? '')) {
          throw new InvalidInput({ field: 'Content-Type', message: 'must be application/x-ndjson' }, 'send the relationships as application/x-ndjson');
        }
        const limit = services.config.importBodyLimit;
        if (Number(req.get('content-length') ?? 0) > limit) throw new TooLarge(`the body exceeds the import limit of ${limit} bytes`);
        // Read through a pipe, so that stopping early (413, 503) leaves the request to be drained, not destroyed before the answer.
        const body = req.pipe(new PassThrough());
        try {
          return { body: await importRelationships(services.changes, { principal, requestId }, body, limit) };
        } catch (err) {
          req.unpipe(body);
          req.resume();
          throw err;
        }
      },
    }),
  ];
}
