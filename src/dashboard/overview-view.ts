const table = (id: string, heads: string[]) => `<table><thead><tr>${heads.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;
const card = (id: string, label: string) => `<div class="card"><div class="label">${label}</div><div class="value" id="${id}">–</div></div>`;

/** The Overview view: totals, charts, every limit and the traffic by group, for a timeframe. */
export const OVERVIEW_MARKUP = `
<section id="view-overview" aria-labelledby="nav-overview" hidden>
  <div class="toolbar">
    <div class="field"><label for="range">Timeframe</label><select id="range"><option value="1h">last hour</option><option value="24h" selected>last day</option><option value="7d">last 7 days</option><option value="30d">last 30 days</option><option value="custom">custom</option></select></div>
    <span id="custom" hidden><span class="field"><label for="from">From</label><input id="from" type="datetime-local"></span> <span class="field"><label for="to">To</label><input id="to" type="datetime-local"></span></span>
    <div class="field"><label for="groupBy">Group by</label><select id="groupBy"><option value="model" selected>model</option><option value="workspace">workspace</option><option value="key">key</option><option value="user">user</option></select></div>
    <button id="refresh" type="button">Refresh</button>
    <span id="status" role="status"></span>
  </div>
  <div class="cards">
    ${card('t-cost', 'Cost')}${card('t-requests', 'Requests')}${card('t-tokens', 'Tokens')}${card('t-errors', 'Errors')}${card('t-rejected', 'Refused by limits')}${card('t-p50', 'Latency p50')}${card('t-p95', 'Latency p95')}
  </div>
  <div class="charts"><div id="c-cost"></div><div id="c-tokens"></div><div id="c-requests"></div><div id="c-errors"></div><div id="c-latency"></div></div>
  <section class="panel"><h2>Budgets, closest to their limit first</h2>${table('budgets', ['scope', 'type', 'used', 'reserved', 'limit', 'of the limit', 'alert at', 'next reset'])}<p id="left-out"></p></section>
  <section class="panel"><h2>Rate limits, least headroom first</h2>${table('rates', ['scope', 'rate limit', 'used + reserved', 'limit', 'remaining', 'of the limit', 'window resets'])}</section>
  <section class="panel"><h2 id="group-title">By model</h2>${table('groups', ['name', 'requests', 'errors', 'refused', 'tokens', 'cost', 'p50', 'p95'])}</section>
  <section class="panel"><h2>Failures by error code</h2>${table('failures', ['error code', 'calls', 'provider or gateway errors', 'refused', 'aborted'])}</section>
</section>`;

/**
 * The Overview's script, run in the browser after CONSOLE_SCRIPT: reads `api/overview` for the
 * chosen timeframe and grouping, and draws it with uPlot.
 */
export const OVERVIEW_SCRIPT = String.raw`
  const usd = money;
  const num = (n) => n.toLocaleString('en-US');
  const ms = (n) => (n === null || n === undefined ? '–' : n < 10 ? n.toFixed(1) + ' ms' : n < 1000 ? n.toFixed(0) + ' ms' : (n / 1000).toFixed(2) + ' s');
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
  const fillTable = (id, rows, empty) => fill($(id), rows, empty);
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

  let overviewShown = false;
  views.overview = {
    async show() {
      // Loaded once when first shown; then on a change of its controls, or Refresh.
      if (overviewShown) return;
      overviewShown = true;
      await load();
    },
  };

  async function load() {
    const params = new URLSearchParams({ range: $('range').value, groupBy: $('groupBy').value });
    if ($('range').value === 'custom') {
      params.set('from', new Date($('from').value).toISOString());
      params.set('to', new Date($('to').value).toISOString());
    }
    $('status').textContent = 'loading…';
    const res = await fetch(base + '/api/overview?' + params, { credentials: 'same-origin' });
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
    fillTable('groups', o.byGroup.map((g) => row([g.name, num(g.requests), num(g.errors), num(g.rejected), num(g.totalTokens), usd(g.cost), ms(g.latencyMs && g.latencyMs.p50), ms(g.latencyMs && g.latencyMs.p95)])), 'No calls in this timeframe.');
    fillTable('budgets', o.budgets.map((s) => row([s.scope, s.type, amount(s, s.used), amount(s, s.reserved), amount(s, s.limit), bar(s.share), s.alertThresholds ? s.alertThresholds.map((a) => amount(s, a)).join(', ') : s.alertThreshold !== undefined ? amount(s, s.alertThreshold) : '–', s.reset === 'none' ? 'never' : when(s.resetAt)])), 'No budgets.');
    fillTable('rates', o.rateLimits.map((s) => row([s.scope, s.type + (s.per ? ' per ' + s.per : ''), num(s.used + s.reserved), num(s.limit), num(s.remaining), bar(s.share), s.resetAt ? when(s.resetAt) : '–'])), 'No rate limits.');
    fillTable('failures', o.failures.map((f) => row([f.code, num(f.requests), num(f.errors), num(f.rejected), num(f.aborted)])), 'No failures in this timeframe.');
    $('left-out').textContent = o.scopesLeftOut > 0 ? o.scopesLeftOut + ' more scopes with limits are not shown (maxScopes).' : '';
  }

  for (const id of ['range', 'groupBy', 'from', 'to']) $(id).addEventListener('change', () => {
    $('custom').hidden = $('range').value !== 'custom';
    if ($('range').value !== 'custom' || ($('from').value && $('to').value)) load().catch((e) => ($('status').textContent = String(e)));
  });
  $('refresh').addEventListener('click', () => load().catch((e) => ($('status').textContent = String(e))));
`;
