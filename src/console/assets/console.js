/* global document */
// Progressive enhancement only: every page works without it. Served from our origin (CSP script-src 'self').
import { initAll } from './nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
