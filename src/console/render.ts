/** Nunjucks, with our views and the nhsuk-frontend macros (`nhsuk/components/.../macro.njk`), autoescaped. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);
/** node_modules/nhsuk-frontend/dist: its `nhsuk/` folder holds the macros, the CSS, the JS and the images. */
export const nhsukDist = path.resolve(path.dirname(require.resolve('nhsuk-frontend')), '..');
// From src/console/ and from the compiled dist/console/ alike (dist sits beside src; tsc copies no templates).
const views = fileURLToPath(new URL('../../src/console/views/', import.meta.url));

export function viewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([views, nhsukDist]), { autoescape: true, throwOnUndefined: false });
  env.addFilter('when', (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : ''));
  return env;
}
