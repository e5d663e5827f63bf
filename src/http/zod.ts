/** zod, extended once with .openapi() so that schemas document themselves in /openapi.json. */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
