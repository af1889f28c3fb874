import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PAGE_SCRIPT } from './page-script.js';

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
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 20px; background: #0f172a; color: #f8fafc; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
header label { display: flex; gap: 6px; align-items: center; }
header select, header input, header button { font: inherit; padding: 3px 6px; }
#status { color: #cbd5e1; font-size: 12px; }
main { padding: 16px 20px; display: grid; gap: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 12px; }
.card .label { color: #64748b; font-size: 12px; }
.card .value { font-size: 22px; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.charts > div, section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 12px; overflow-x: auto; }
h2, h3 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #f1f5f9; white-space: nowrap; }
th { color: #64748b; font-weight: 500; font-size: 12px; }
td.empty { color: #94a3b8; }
.bar { display: inline-block; width: 90px; height: 8px; background: #e2e8f0; border-radius: 4px; vertical-align: middle; margin-right: 6px; }
.fill { height: 8px; border-radius: 4px; background: #16a34a; }
.fill.warn { background: #ca8a04; }
.fill.over { background: #dc2626; }
.pct { font-size: 12px; color: #475569; }
`;

const table = (id: string, heads: string[]) => `<table><thead><tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;
const card = (id: string, label: string) => `<div class="card"><div class="label">${label}</div><div class="value" id="${id}">–</div></div>`;

/** The whole page: markup, styles, uPlot and the page's script, in one response. */
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
  <label>Timeframe <select id="range"><option value="1h">last hour</option><option value="24h" selected>last day</option><option value="7d">last 7 days</option><option value="30d">last 30 days</option><option value="custom">custom</option></select></label>
  <span id="custom" hidden><input id="from" type="datetime-local"> – <input id="to" type="datetime-local"></span>
  <label>Group by <select id="groupBy"><option value="model" selected>model</option><option value="workspace">workspace</option><option value="key">key</option><option value="user">user</option></select></label>
  <button id="refresh" type="button">Refresh</button>
  <span id="status"></span>
</header>
<main>
  <div class="cards">
    ${card('t-cost', 'Cost')}${card('t-requests', 'Requests')}${card('t-tokens', 'Tokens')}${card('t-errors', 'Errors')}${card('t-rejected', 'Refused by limits')}${card('t-p50', 'Latency p50')}${card('t-p95', 'Latency p95')}
  </div>
  <div class="charts"><div id="c-cost"></div><div id="c-tokens"></div><div id="c-requests"></div><div id="c-errors"></div><div id="c-latency"></div></div>
  <section><h2>Budgets, closest to their limit first</h2>${table('budgets', ['scope', 'type', 'used', 'reserved', 'limit', 'of the limit', 'alert at', 'next reset'])}<p id="left-out"></p></section>
  <section><h2>Rate limits, least headroom first</h2>${table('rates', ['scope', 'rate limit', 'used + reserved', 'limit', 'remaining', 'of the limit', 'window resets'])}</section>
  <section><h2 id="group-title">By model</h2>${table('groups', ['name', 'requests', 'errors', 'refused', 'tokens', 'cost', 'p50', 'p95'])}</section>
  <section><h2>Failures by error code</h2>${table('failures', ['error code', 'calls', 'provider or gateway errors', 'refused', 'aborted'])}</section>
</main>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>`;
}
