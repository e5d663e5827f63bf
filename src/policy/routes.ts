/** The policy in force, and an explicit reload for operators (feeds/admin role). */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';

const policyState = z.object({ version: z.string(), loaded: z.boolean(), loadedAt: z.string(), changed: z.boolean().optional() }).openapi('PolicyState');

export function policyRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'getPolicy', method: 'get', path: '/v1/policy', summary: 'The policy version in force in this process', tags: ['policy'], auth: 'token',
      responses: { 200: { description: 'Version and load time', schema: policyState } },
      handler: async ({ services }) => {
        const p = services.policy.current;
        return { body: { version: p.version, loaded: services.policy.loaded, loadedAt: p.loadedAt.toISOString() } };
      },
    }),
    defineRoute({
      operationId: 'reloadPolicy', method: 'post', path: '/v1/policy:reload', summary: 'Reload the policy files now, and ask every process on this database to do the same', tags: ['policy'],
      description: 'A broken policy file is refused and the policy in force stays. A change is itself an audit event.',
      auth: { capability: 'feeds' },
      responses: { 200: { description: 'The policy in force after the reload', schema: policyState } },
      handler: async ({ services }) => {
        const changed = await services.policy.reload();
        await services.store.notify('ntk_policy', services.policy.current.version);
        const p = services.policy.current;
        return { body: { version: p.version, loaded: services.policy.loaded, loadedAt: p.loadedAt.toISOString(), changed } };
      },
    }),
  ];
}
