import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { providers } from '../providers/registry.js';
import { AUDIT_MARKUP, AUDIT_SCRIPT } from './audit-view.js';
import { CONFIRM_DIALOG, TOKEN_PANEL } from './console-markup.js';
import { CONSOLE_SCRIPT, CONSOLE_START } from './console-script.js';
import { integrationsMarkup, INTEGRATIONS_SCRIPT } from './integrations-view.js';
import { KEYS_MARKUP, KEYS_SCRIPT } from './keys-view.js';
import { OVERVIEW_MARKUP, OVERVIEW_SCRIPT } from './overview-view.js';
import { WORKSPACES_MARKUP, WORKSPACES_SCRIPT } from './workspaces-view.js';

/**
 * uPlot, the chart library, read from its package (a dependency of tollgate's) and inlined in the
 * page: no CDN, no build step, and the page works offline. Read once, when the first page is served.
 */
let chartLibrary: { js: string; css: string } | null = null;
function uPlotFiles(): { js: string; css: string } {
  if (!chartLibrary) {
    // In the CommonJS build, tsup's shim gives import.meta.url from __filename.
    const require = createRequire(import.meta.url);
    chartLibrary = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return chartLibrary;
}

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0; color: #0f172a; background: #f8fafc; }
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 20px; background: #0f172a; color: #f8fafc; }
header h1 { font-size: 18px; margin: 0 12px 0 0; }
nav ul { display: flex; gap: 4px; list-style: none; margin: 0; padding: 0; }
nav a { color: #cbd5e1; text-decoration: none; padding: 4px 10px; border-radius: 6px; }
nav a:hover, nav a:focus-visible { color: #fff; background: #1e293b; }
nav a[aria-current="page"] { color: #0f172a; background: #f8fafc; font-weight: 600; }
#signed-in { margin-left: auto; color: #cbd5e1; font-size: 12px; }
#view-status { color: #b91c1c; margin: 0; }
#view-status:empty { display: none; }
main { padding: 16px 20px; display: grid; gap: 16px; }
main > section { display: grid; gap: 16px; }
main > section[hidden] { display: none; }
.toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
.field { display: grid; gap: 2px; }
.field label { font-size: 12px; color: #475569; }
label.check { display: flex; gap: 6px; align-items: center; }
input, select, textarea, button { font: inherit; padding: 4px 8px; }
textarea { width: 100%; box-sizing: border-box; }
button { cursor: pointer; }
[aria-invalid="true"] { outline: 2px solid #dc2626; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px; border: 0; padding: 0; margin: 0 0 10px; }
fieldset.grid { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 10px; }
.hint { color: #64748b; font-size: 12px; margin: 4px 0; }
.errors { color: #b91c1c; }
.errors:empty { display: none; }
.actions { display: flex; gap: 8px; margin-top: 8px; }
.notice { border-color: #ca8a04; background: #fefce8; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
dialog { border: 1px solid #cbd5e1; border-radius: 8px; max-width: 720px; }
#status { color: #475569; font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 12px; }
.card .label { color: #64748b; font-size: 12px; }
.card .value { font-size: 22px; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.charts > div, .panel { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 12px; overflow-x: auto; }
h2, h3 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #f1f5f9; white-space: nowrap; }
th { color: #64748b; font-weight: 500; font-size: 12px; }
td.empty { color: #94a3b8; }
#view-keys td, #view-integrations td, #view-workspaces td, #view-audit td { white-space: normal; vertical-align: top; }
#view-keys td.actions, #view-integrations td.actions, #view-workspaces td.actions { white-space: nowrap; }
.bar { display: inline-block; width: 90px; height: 8px; background: #e2e8f0; border-radius: 4px; vertical-align: middle; margin-right: 6px; }
.fill { height: 8px; border-radius: 4px; background: #16a34a; }
.fill.warn { background: #ca8a04; }
.fill.over { background: #dc2626; }
.pct { font-size: 12px; color: #475569; }
`;

const VIEWS: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['keys', 'Keys'],
  ['integrations', 'Integrations'],
  ['workspaces', 'Workspaces'],
  ['audit', 'Audit'],
];

/**
 * The whole page: markup, styles, uPlot and the scripts of its views, in one response. The views
 * (by `#hash`) read and change the policy through the admin API only, and a control the caller's
 * role may not use is never made (see `api/me`).
 */
export function dashboardPage(): string {
  const { js, css } = uPlotFiles();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tollgate</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>tollgate</h1>
  <nav aria-label="Views"><ul>${VIEWS.map(([id, name]) => `<li><a id="nav-${id}" href="#${id}">${name}</a></li>`).join('')}</ul></nav>
  <span id="signed-in"></span>
</header>
<main>
  <p id="view-status" role="status"></p>
  ${TOKEN_PANEL}
  ${OVERVIEW_MARKUP}
  ${KEYS_MARKUP}
  ${integrationsMarkup([...providers.keys()])}
  ${WORKSPACES_MARKUP}
  ${AUDIT_MARKUP}
</main>
${CONFIRM_DIALOG}
<script>${js}</script>
<script>(() => {${CONSOLE_SCRIPT}${OVERVIEW_SCRIPT}${KEYS_SCRIPT}${INTEGRATIONS_SCRIPT}${WORKSPACES_SCRIPT}${AUDIT_SCRIPT}${CONSOLE_START}})();</script>
</body>
</html>`;
}
