/**
 * The page's script, run in the browser: reads `api/overview` (next to the page) for the chosen
 * timeframe and grouping, and draws it. Text goes into the page with `textContent` only, never as
 * HTML: scope, workspace, key and model names are the config's, and a page must not run them.
 * Plain ES2020 in a string, so that the package serves it with no build step of the user's.
 */
export const PAGE_SCRIPT = String.raw`
(() => {
  const $ = (id) => document.getElementById(id);
  const api = location.pathname.replace(/\/+$/, '') + '/api/overview';
  const usd = (n) => '$' + (n < 1 ? n.toFixed(4) : n.toFixed(2));
  const num = (n) => n.toLocaleString('en-US');
  const ms = (n) => (n === null || n === undefined ? '–' : n < 10 ? n.toFixed(1) + ' ms' : n < 1000 ? n.toFixed(0) + ' ms' : (n / 1000).toFixed(2) + ' s');
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const row = (cells) => {
    const tr = el('tr');
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));
    return tr;
  };
  const bar = (share) => {
    const td = el('td');
    const outer = el('div', undefined, 'bar');
    const inner = el('div', undefined, share >= 1 ? 'fill over' : share >= 0.8 ? 'fill warn' : 'fill');
    inner.style.width = Math.min(100, Math.round(share * 100)) + '%';
    outer.appendChild(inner);
    td.appendChild(outer);
    td.appendChild(el('span', Math.round(share * 100) + '%', 'pct'));
    return td;
  };
  const fill = (id, rows, empty) => {
    const body = $(id);
    body.replaceChildren(...rows);
    if (rows.length === 0) body.appendChild(row([el('td', empty, 'empty')]));
  };
  const amount = (s, n) => (s.type === 'cost' ? usd(n) : num(n));
  const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#64748b'];
  const charts = [];

  function chart(target, title, overview, pick, format) {
    const host = $(target);
    host.replaceChildren(el('h3', title));
    const xs = overview.series.buckets.map((b) => Date.parse(b) / 1000);
    const series = [{}];
    const columns = [xs];
    overview.series.groups.forEach((g, i) => {
      series.push({ label: g.name, stroke: COLORS[i % COLORS.length], width: 2, value: (u, v) => (v === null || v === undefined ? '–' : format(v)) });
      columns.push(pick(g));
    });
    const width = Math.max(320, host.clientWidth - 8);
    charts.push(new uPlot({ width, height: 200, series, axes: [{}, { values: (u, vals) => vals.map((v) => format(v)), size: 70 }], legend: { live: false } }, columns, host));
  }

  async function load() {
    const params = new URLSearchParams({ range: $('range').value, groupBy: $('groupBy').value });
    if ($('range').value === 'custom') {
      params.set('from', new Date($('from').value).toISOString());
      params.set('to', new Date($('to').value).toISOString());
    }
    $('status').textContent = 'loading…';
    const res = await fetch(api + '?' + params, { credentials: 'same-origin' });
    const body = await res.json();
    if (!res.ok) {
      $('status').textContent = (body.error && body.error.message) || 'HTTP ' + res.status;
      return;
    }
    $('status').textContent = 'from ' + when(body.from) + ' to ' + when(body.to) + ', by ' + body.interval + (body.warnings.length ? ' — ' + body.warnings.join('; ') : '');
    render(body);
  }

  function render(o) {
    const t = o.totals;
    $('t-cost').textContent = usd(t.cost);
    $('t-requests').textContent = num(t.requests);
    $('t-tokens').textContent = num(t.totalTokens);
    $('t-errors').textContent = num(t.errors);
    $('t-rejected').textContent = num(t.rejected);
    $('t-p50').textContent = ms(t.latencyMs && t.latencyMs.p50);
    $('t-p95').textContent = ms(t.latencyMs && t.latencyMs.p95);

    while (charts.length) charts.pop().destroy();
    chart('c-cost', 'Cost (USD)', o, (g) => g.cost, (v) => usd(v));
    chart('c-tokens', 'Tokens', o, (g) => g.totalTokens, (v) => num(v));
    chart('c-requests', 'Requests', o, (g) => g.requests, (v) => num(v));
    chart('c-errors', 'Errors', o, (g) => g.errors, (v) => num(v));
    chart('c-latency', 'Latency p95', o, (g) => g.latencyP95, (v) => ms(v));

    $('group-title').textContent = 'By ' + o.groupBy;
    fill('groups', o.byGroup.map((g) => row([g.name, num(g.requests), num(g.errors), num(g.rejected), num(g.totalTokens), usd(g.cost), ms(g.latencyMs && g.latencyMs.p50), ms(g.latencyMs && g.latencyMs.p95)])), 'No calls in this timeframe.');
    fill('budgets', o.budgets.map((s) => row([s.scope, s.type, amount(s, s.used), amount(s, s.reserved), amount(s, s.limit), bar(s.share), s.alertThresholds ? s.alertThresholds.map((a) => amount(s, a)).join(', ') : s.alertThreshold !== undefined ? amount(s, s.alertThreshold) : '–', s.reset === 'none' ? 'never' : when(s.resetAt)])), 'No budgets.');
    fill('rates', o.rateLimits.map((s) => row([s.scope, s.type + (s.per ? ' per ' + s.per : ''), num(s.used + s.reserved), num(s.limit), num(s.remaining), bar(s.share), s.resetAt ? when(s.resetAt) : '–'])), 'No rate limits.');
    fill('failures', o.failures.map((f) => row([f.code, num(f.requests), num(f.errors), num(f.rejected), num(f.aborted)])), 'No failures in this timeframe.');
    $('left-out').textContent = o.scopesLeftOut > 0 ? o.scopesLeftOut + ' more scopes with limits are not shown (maxScopes).' : '';
  }

  for (const id of ['range', 'groupBy', 'from', 'to']) $(id).addEventListener('change', () => {
    $('custom').hidden = $('range').value !== 'custom';
    if ($('range').value !== 'custom' || ($('from').value && $('to').value)) load().catch((e) => ($('status').textContent = String(e)));
  });
  $('refresh').addEventListener('click', () => load().catch((e) => ($('status').textContent = String(e))));
  load().catch((e) => ($('status').textContent = String(e)));
})();
`;
