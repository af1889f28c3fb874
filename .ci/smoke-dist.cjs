// The built package from both module systems: CommonJS require() (which must not hit the
// ESM-only p-retry) and ESM import, each running one mock call end to end, then every sink entry.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Registry } = require('prom-client');

async function check(mod, label) {
  const gateway = mod.createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 503 }] } }],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
  });
  const res = await gateway.chat({ workspace: 'w', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.gateway.retries, 1);
  assert.equal(typeof mod.GatewayError.isInstance, 'function');
  console.log(`${label}: ok (${res.choices[0].message.content})`);
}

/** Each sink entry loads alone and works with the core loaded by the same module system. */
/** The HTTP entry answers an OpenAI chat request with a key made by the same module system. */
async function checkHttp(core, http, label) {
  const { token, hash } = http.generateKey();
  const gateway = core.createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', models: ['m'], workspaces: 'all' }],
    keys: [{ id: 'app', workspace: 'w', integration: 'mock', hash }],
  });
  const handler = http.createFetchHandler(gateway);
  const response = await handler(
    new Request('http://localhost/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    }),
  );
  assert.equal(response.status, 200);
  assert.equal((await response.json()).object, 'chat.completion');
  const inProcess = http.createFetch(gateway, { key: 'app' });
  const answer = await inProcess('http://tollgate/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal((await answer.json()).object, 'chat.completion');
  await gateway.close();
  console.log(`${label}: http ok (handler and createFetch)`);
}

/** The dashboard entry serves its page (uPlot read from its package: both builds must find it) and refuses the unauthorized. */
async function checkDashboard(core, dashboard, label) {
  const gateway = core.createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
  const handler = dashboard.createDashboardHandler(gateway, { authorize: (request) => request.headers.get('authorization') === 'Basic YWRtaW46cHc=' });
  assert.equal((await handler(new Request('http://localhost/dashboard'))).status, 401);
  const page = await handler(new Request('http://localhost/dashboard', { headers: { authorization: 'Basic YWRtaW46cHc=' } }));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /uPlot/);
  await gateway.close();
  console.log(`${label}: dashboard entry ok`);
}

async function checkSinks(core, load, label) {
  const [{ jsonlSink }, { otelSink }, { prometheusSink }, { webhookSink }] = await Promise.all(
    ['jsonl', 'otel', 'prometheus', 'webhook'].map(load),
  );
  // A Secret made by the core entry is readable by the webhook entry: one shared copy of the core.
  webhookSink('https://hooks.example.com/tollgate', { secret: core.secret.value('whk-smoke') });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-smoke-')), 'usage.jsonl');
  const registry = new Registry();
  const gateway = core.createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }],
    sinks: [jsonlSink(file), otelSink(), prometheusSink(registry)],
  });
  await gateway.chat({ workspace: 'w', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
  await gateway.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).status, 'success');
  assert.match(await registry.metrics(), /tollgate_requests_total\{[^}]*\} 1/);
  console.log(`${label}: sinks ok`);
}

/** The SQLite entry keeps a budget in a file across two gateways; the PostgreSQL entry loads. */
async function checkSql(core, sqlite, postgres, label) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-smoke-')), 'spend.db');
  const config = (store) => ({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: { w: { rateLimits: [{ type: 'requests', limit: 10, per: 'day' }] } } }],
    store,
  });
  for (let run = 1; run <= 2; run++) {
    const store = sqlite.sqliteStore({ path: file });
    const gateway = core.createGateway(config(store));
    await gateway.chat({ workspace: 'w', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
    const [limit] = await gateway.limits.status({ workspace: 'w', integration: 'mock' });
    assert.equal(limit.used, run);
    await gateway.close();
    store.close();
  }
  assert.equal(typeof postgres.postgresStore, 'function');
  assert.match(postgres.postgresSchema('tg'), /CREATE OR REPLACE FUNCTION "tg".apply\(/);
  console.log(`${label}: sqlite and postgres entries ok`);
}

(async () => {
  await checkSql(require('../dist/index.cjs'), require('../dist/sqlite.cjs'), require('../dist/postgres.cjs'), 'require');
  await checkSql(await import('../dist/index.js'), await import('../dist/sqlite.js'), await import('../dist/postgres.js'), 'import');
  await check(require('../dist/index.cjs'), 'require');
  await check(await import('../dist/index.js'), 'import');
  for (const [aiSdk, label] of [[require('../dist/ai-sdk.cjs'), 'require'], [await import('../dist/ai-sdk.js'), 'import']]) {
    assert.equal(aiSdk.tollgateMiddleware({ gateway: require('../dist/index.cjs').createGateway({ integrations: [{ slug: 'x', provider: 'external', workspaces: 'all' }] }), workspace: 'w', integration: 'x' }).specificationVersion, 'v4');
    console.log(`${label}: ai-sdk entry ok`);
  }
  await checkHttp(require('../dist/index.cjs'), require('../dist/http.cjs'), 'require');
  await checkHttp(await import('../dist/index.js'), await import('../dist/http.js'), 'import');
  await checkDashboard(require('../dist/index.cjs'), require('../dist/dashboard.cjs'), 'require');
  await checkDashboard(await import('../dist/index.js'), await import('../dist/dashboard.js'), 'import');
  await checkSinks(require('../dist/index.cjs'), async (name) => require(`../dist/sinks/${name}.cjs`), 'require');
  await checkSinks(await import('../dist/index.js'), (name) => import(`../dist/sinks/${name}.js`), 'import');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
