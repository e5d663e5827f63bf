/** Integration feeds (role access-admin): organisations, teams, staff, children and relationships. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { area, id, nhsNumber, orgKind, teamKind } from '../http/schemas.ts';
import { badRequest, notFound } from '../http/problem.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from './changes.ts';
import { childInput, upsertChild } from './children.ts';
import { endRelationship, insertRelationship, missingReferences, relationshipInput, relationshipOutput } from './relationships.ts';
import { importRelationships } from './import.ts';

const FEEDS = { capability: 'feeds' } as const;
const written = z.object({ consistencyToken: z.string() }).passthrough().openapi('Written');

export function feedRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'put', path: '/v1/orgs/{orgCode}', summary: 'Create or update an organisation', tags: ['feeds'], auth: FEEDS,
      description: 'Extension: the role mapping needs to know which organisations are GP practices.',
      params: z.object({ orgCode: id }),
      body: z.strictObject({ name: z.string().trim().min(1).max(200), kind: orgKind, area: area.optional() }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) =>
        services.store.transaction(async (tx) => {
          const { rows } = await tx.query<{ inserted: boolean }>(
            `insert into orgs (code, name, kind, area) values ($1, $2, $3, $4)
             on conflict (code) do update set name = excluded.name, kind = excluded.kind, area = excluded.area, updated_at = now()
             returning (xmax = 0) as inserted`,
            [params.orgCode, body.name, body.kind, body.area ?? null],
          );
          const consistencyToken = await recordChange(tx, 'org', params.orgCode);
          await services.audit.appendWithin(tx, [{ kind: 'fact', actor: actorOf(principal), requestId, details: { entity: 'org', key: params.orgCode, created: rows[0].inserted } }]);
          return { status: rows[0].inserted ? 201 : 200, body: { orgCode: params.orgCode, ...body, consistencyToken } };
        }),
    }),
    defineRoute({
      method: 'put', path: '/v1/teams/{teamId}', summary: 'Create or update a team and the schools it covers', tags: ['feeds'], auth: FEEDS,
      params: z.object({ teamId: id }),
      body: z.strictObject({
        name: z.string().trim().min(1).max(200), orgCode: id, kind: teamKind, area,
        schools: z.array(z.string().regex(/^[0-9]{6,7}$/, 'a school URN')).max(500).optional(),
      }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) =>
        services.store.transaction(async (tx) => {
          const { rows } = await tx.query<{ inserted: boolean }>(
            `insert into teams (id, name, org_code, kind, area, schools) values ($1, $2, $3, $4, $5, $6)
             on conflict (id) do update set name = excluded.name, org_code = excluded.org_code, kind = excluded.kind,
               area = excluded.area, schools = excluded.schools, updated_at = now()
             returning (xmax = 0) as inserted`,
            [params.teamId, body.name, body.orgCode, body.kind, body.area, body.schools ?? []],
          );
          const consistencyToken = await recordChange(tx, 'team', params.teamId);
          await services.audit.appendWithin(tx, [{ kind: 'fact', actor: actorOf(principal), requestId, details: { entity: 'team', key: params.teamId, created: rows[0].inserted } }]);
          return { status: rows[0].inserted ? 201 : 200, body: { teamId: params.teamId, ...body, consistencyToken } };
        }),
    }),
    defineRoute({
      method: 'put', path: '/v1/users/{userId}', summary: 'Create or update a member of staff and their teams', tags: ['feeds'], auth: FEEDS,
      params: z.object({ userId: id }),
      body: z.strictObject({
        name: z.string().trim().min(1).max(200), orgCode: id, teams: z.array(id).max(50),
        familyName: z.string().trim().min(1).max(200).optional(), postcode: z.string().trim().min(2).max(10).optional(),
      }),
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) =>
        services.store.transaction(async (tx) => {
          const unknown = (await tx.query<{ id: string }>(
            `select t from unnest($1::text[]) t where t not in (select id from teams)`, [body.teams],
          )).rows;
          if (unknown.length) throw badRequest('unknown teams', unknown.map(() => ({ field: 'body.teams', message: 'no team with this id has been fed' })));
          const { rows } = await tx.query<{ inserted: boolean }>(
            `insert into users (id, name, org_code, family_name_hash, postcode_hash) values ($1, $2, $3, $4, $5)
             on conflict (id) do update set name = excluded.name, org_code = excluded.org_code, family_name_hash = excluded.family_name_hash,
               postcode_hash = excluded.postcode_hash, updated_at = now()
             returning (xmax = 0) as inserted`,
            [params.userId, body.name, body.orgCode, services.hasher.hash('family-name', body.familyName), services.hasher.hash('postcode', body.postcode)],
          );
          await tx.query('delete from user_teams where user_id = $1', [params.userId]);
          await tx.query('insert into user_teams (user_id, team_id) select $1, unnest($2::text[])', [params.userId, body.teams]);
          const consistencyToken = await recordChange(tx, 'user', params.userId);
          await services.audit.appendWithin(tx, [{ kind: 'fact', actor: actorOf(principal), requestId, details: { entity: 'user', key: params.userId, created: rows[0].inserted, teams: body.teams } }]);
          return { status: rows[0].inserted ? 201 : 200, body: { userId: params.userId, name: body.name, orgCode: body.orgCode, teams: body.teams, consistencyToken } };
        }),
    }),
    defineRoute({
      method: 'put', path: '/v1/children/{nhsNumber}', summary: 'Create or update a child', tags: ['feeds'], auth: FEEDS,
      description: 'Names and postcodes are kept only as keyed hashes. A change of GP practice or school ends the old relationship and starts the new; a change of area gives the old teams a handover window.',
      params: z.object({ nhsNumber }),
      body: childInput,
      responses: { 200: { description: 'Updated', schema: written }, 201: { description: 'Created', schema: written } },
      handler: async ({ params, body, services, principal, requestId }) => {
        const now = services.now();
        return services.store.transaction(async (tx) => {
          const change = await upsertChild(tx, params.nhsNumber, body, services.hasher, services.policy.current.parameters.handoverDays, now);
          const consistencyToken = await recordChange(tx, 'child', params.nhsNumber);
          await services.audit.appendWithin(tx, [{ kind: 'fact', actor: actorOf(principal), child: params.nhsNumber, requestId, details: { entity: 'child', ...change } }]);
          return { status: change.created ? 201 : 200, body: { nhsNumber: params.nhsNumber, created: change.created, changed: change.changed, consistencyToken } };
        });
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/relationships', summary: 'Start a relationship between a user, team, organisation or school and a child', tags: ['feeds'], auth: FEEDS,
      body: relationshipInput,
      responses: { 201: { description: 'Created', schema: relationshipOutput } },
      handler: async ({ body, services, principal, requestId }) => {
        const errors = await missingReferences(services.store, body);
        if (errors.length) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors.map((e) => ({ ...e, field: `body.${e.field}` })));
        const now = services.now();
        return services.store.transaction(async (tx) => {
          const rel = await insertRelationship(tx, body, principal.userId, now);
          const consistencyToken = await recordChange(tx, 'relationship', rel.id);
          await services.audit.appendWithin(tx, [{ kind: 'relationship', actor: actorOf(principal), child: rel.child, requestId, details: { change: 'start', id: rel.id, subject: rel.subject, type: rel.type, validFrom: rel.validFrom, validTo: rel.validTo, source: rel.source } }]);
          return { status: 201, headers: { Location: `/v1/relationships/${rel.id}` }, body: { ...rel, consistencyToken } };
        });
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/relationships/{id}', summary: 'End a relationship now (its history is kept)', tags: ['feeds'], auth: FEEDS,
      params: z.object({ id: z.string().uuid() }),
      responses: { 200: { description: 'Ended', schema: relationshipOutput }, 404: { description: 'No such relationship' } },
      handler: async ({ params, services, principal, requestId }) => {
        const now = services.now();
        return services.store.transaction(async (tx) => {
          const rel = await endRelationship(tx, params.id, principal.userId, now);
          if (!rel) throw notFound('no relationship with this id');
          const consistencyToken = await recordChange(tx, 'relationship', rel.id);
          await services.audit.appendWithin(tx, [{ kind: 'relationship', actor: actorOf(principal), child: rel.child, requestId, details: { change: 'end', id: rel.id, subject: rel.subject, type: rel.type, validTo: rel.validTo } }]);
          return { body: { ...rel, consistencyToken } };
        });
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/relationships:import', summary: 'Import relationships from NDJSON (one relationship object per line)', tags: ['feeds'], auth: FEEDS,
      description: 'Send Content-Type application/x-ndjson. Streams: any number of lines, committed in batches; bad lines are reported and skipped, good lines kept.',
      responses: {
        200: {
          description: 'Counts and per-line errors',
          schema: z.object({
            accepted: z.number().int(), rejected: z.number().int(), consistencyToken: z.string().nullable(),
            errors: z.array(z.object({ line: z.number().int(), errors: z.array(z.object({ field: z.string(), message: z.string() })) })),
            errorsTruncated: z.boolean(),
          }),
        },
      },
      handler: async ({ req, services, principal, requestId }) => {
        if (!/^application\/(x-)?ndjson\b/.test(req.get('content-type') ?? '')) {
          throw badRequest('send the relationships as application/x-ndjson', [{ field: 'Content-Type', message: 'must be application/x-ndjson' }]);
        }
        return { body: await importRelationships(req, services, principal, requestId) };
      },
    }),
  ];
}
