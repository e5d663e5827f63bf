/** Exposure reports for IG officers: who can see a child now, and how far a user reaches. Both audited. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { id, nhsNumber } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { exposureOf } from './exposure.ts';
import { reachOf } from './reach.ts';

const IG = { capability: 'exposure' } as const;

export function exposureRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'getChildExposure', method: 'get', path: '/v1/children/{nhsNumber}/exposure', summary: 'IG: who can read each section of this child now, and on what basis', tags: ['ig'], auth: IG,
      params: z.object({ nhsNumber }),
      responses: { 200: { description: 'Readers per section with counts by basis', schema: z.object({ child: z.string(), totalUsers: z.number() }).passthrough().openapi('Exposure') } },
      handler: async ({ params, services, principal, requestId }) => {
        const report = await exposureOf(services.views, { actor: actorOf(principal), requestId }, params.nhsNumber);
        return { body: report };
      },
    }),
    defineRoute({
      operationId: 'getUserReach', method: 'get', path: '/v1/users/{userId}/reach', summary: 'IG: how many children this user can read now, by basis', tags: ['ig'], auth: IG,
      params: z.object({ userId: id }),
      responses: { 200: { description: 'Counts by basis', schema: z.object({ user: z.string(), children: z.number() }).passthrough().openapi('Reach') }, 404: { description: 'Unknown user' } },
      handler: async ({ params, services, principal, requestId }) => {
        const report = await reachOf(services.views, { actor: actorOf(principal), requestId }, params.userId);
        return { body: report };
      },
    }),
  ];
}
