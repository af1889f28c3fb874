// The built package from both module systems: CommonJS require() (which must not hit the
// ESM-only p-retry) and ESM import, each running one mock call end to end.
const assert = require('node:assert/strict');

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

(async () => {
  await check(require('../dist/index.cjs'), 'require');
  await check(await import('../dist/index.js'), 'import');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
