// The shape of src/, checked in CI (`npm run lint:deps`): no import circle between files, and the
// folders stacked in layers, each importing only from layers below it. A circle or a new edge
// upwards fails the build; to add a folder, give it a layer here.
//
// Type-only imports count (tsPreCompilationDeps): a type is a dependency of the design even when
// it vanishes from the JavaScript.

/** Lowest first. Folders in one layer are independent: neither imports the other. */
const LAYERS = [
  ['util', 'errors'],
  // Secrets, the normalized request/usage shapes and the dated price catalog: what providers and
  // accounting both stand on.
  ['secrets', 'usage', 'catalog'],
  // Adapters: they know no policy, no store and no config of the gateway. The Responses API
  // translated to and from chat, for providers that do not serve it.
  ['providers', 'responses'],
  ['config'],
  ['events'],
  ['analytics'],
  ['stores'],
  ['limits'],
  // The control plane: the policy log, runtime keys, provisioning, integrations and the audit.
  // The request path (gateway) reads it; it never reads the request path.
  ['policy'],
  // The facade and the sinks; on top of the facade, the HTTP endpoint, the AI SDK middleware and
  // the dashboard (which reads the gateway's public analytics and limits only).
  ['gateway', 'sinks'],
  ['http', 'ai-sdk', 'dashboard'],
  // `tollgate serve`: the endpoint, the dashboard and the gateway as one process.
  ['server'],
];

const folder = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, i) => {
  const notBelow = LAYERS.slice(i).flat();
  return layer.map((name) => ({
    name: `layer-${name}`,
    comment: `src/${name}/ may import only from the layers below it: ${LAYERS.slice(0, i).flat().join(', ') || 'none'}`,
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: folder(notBelow.filter((n) => n !== name)) },
  }));
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle: two modules that cannot be understood, tested or loaded one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'providers-know-no-policy',
      comment: 'Adapters translate wire formats; budgets, limits, stores and the gateway are none of their business.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: folder(['limits', 'stores', 'config', 'gateway', 'events', 'analytics']) },
    },
    {
      name: 'limits-know-no-providers',
      comment: 'Accounting sees normalized usage (src/usage/), never a provider.',
      severity: 'error',
      from: { path: '^src/limits/' },
      to: { path: folder(['providers', 'gateway', 'http']) },
    },
    {
      name: 'core-knows-no-http',
      comment: 'Only src/http/ serves HTTP, and src/server/ (the process `tollgate serve` runs) listens; the core is a library (providers call fetch, which is injected).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(http/|http\\.ts$|server/)' },
      to: { path: ['^node:https?$', '^(http|https)$', 'node_modules/undici/'] },
    },
    {
      name: 'control-plane-never-reads-request-path',
      comment: 'The request path (gateway/) reads the control plane (policy/); the policy log, keys, provisioning, integrations and audit never depend on how calls are served.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { path: '^src/(gateway|http|ai-sdk|dashboard)/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|examples)/' },
    },
    ...layerRules,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
