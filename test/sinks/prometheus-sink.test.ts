// npm test: a prom-client registry in process, on an injected clock; milliseconds.
import { Gauge, Registry, register, type OpenMetricsContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { prometheusSink, type PrometheusSinkOptions } from '../../src/sinks/prometheus.js';
import { ask } from '../helpers/mock-gateway.js';
import { parseExposition, series, total, type Sample } from './prometheus-exposition.js';

/**
 * The Prometheus sink, driven through a real gateway (mock provider) and read back from a real
 * prom-client registry's exposition text, as Prometheus would scrape it.
 */

const START = Date.parse('2026-05-04T10:00:00.000Z');
const USAGE = { inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 400, cacheWriteTokens: 100, reasoningTokens: 50 };
// USD per 1M tokens: 500 plain input x 2 + 400 cached x 0.5 + 100 written x 2.5 + 200 output x 8 = USD 0.00305 a call.
const PRICE = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5 };
const CALL_COST = 0.00305;

function setup(options: PrometheusSinkOptions = {}, config: Partial<GatewayConfig> = {}) {
  const registry = new Registry();
  const sink = prometheusSink(registry, options);
  const gateway = createGateway({
    integrations: [
      { slug: 'llm', provider: 'mock', models: ['gpt-x', 'gpt-y', 'embed-1'], pricing: { 'gpt-x': PRICE, 'embed-1': PRICE }, workspaces: 'all', mock: { usage: USAGE } },
      { slug: 'flaky', provider: 'mock', models: ['gpt-x'], pricing: { 'gpt-x': PRICE }, workspaces: 'all', mock: { usage: USAGE, failures: [{ status: 503, times: 9 }] } },
    ],
    workspaces: { limited: { rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] } },
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'llm' }],
    retry: { retries: 0 },
    // A fixed clock: the rate limit's minute never rolls over during a test.
    clock: () => START,
    sinks: [sink],
    ...config,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  /** What a scrape after the gateway delivered every event would read. */
  const scrape = async (): Promise<Sample[]> => {
    await gateway.flush();
    return parseExposition(await registry.metrics());
  };
  return { registry, sink, gateway, events, scrape };
}

/** Awaits a call that must fail, and returns its error. */
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error,
  );

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
const id = (workspace: string, integration = 'llm', model = 'gpt-x') => ({ workspace, integration, provider: 'mock', model, operation: 'chat' });

describe('prometheusSink', () => {
  it('counts successes, a rejected call and a provider failure: requests, tokens by type, cost, errors', async () => {
    const { gateway, events, scrape } = setup();
    await gateway.chat(ask('@llm/gpt-x'));
    await gateway.chat(ask('@llm/gpt-x'));
    await gateway.chat(ask('@llm/gpt-x', { workspace: 'limited' }));
    await fail(gateway.chat(ask('@llm/gpt-x', { workspace: 'limited' })));
    await fail(gateway.chat(ask('@flaky/gpt-x')));
    const samples = await scrape();
    expect(events.map((e) => e.status)).toEqual(['success', 'success', 'success', 'rejected', 'error']);

    expect(series(samples, 'tollgate_requests_total')).toEqual([
      { labels: { ...id('team-a'), status: 'success' }, value: 2 },
      { labels: { ...id('limited'), status: 'success' }, value: 1 },
      { labels: { ...id('limited'), status: 'rejected' }, value: 1 },
      { labels: { ...id('team-a', 'flaky'), status: 'error' }, value: 1 },
    ]);
    expect(series(samples, 'tollgate_errors_total')).toEqual([
      { labels: { ...id('limited'), code: 'rate_limit_exceeded', upstream_status: '' }, value: 1 },
      { labels: { ...id('team-a', 'flaky'), code: 'provider_error', upstream_status: '503' }, value: 1 },
    ]);

    // Tokens: disjoint parts of each call's 1,200 tokens, only for the calls that used some.
    expect(series(samples, 'tollgate_tokens_total').filter((s) => s.labels.workspace === 'team-a')).toEqual([
      { labels: { ...id('team-a'), type: 'input' }, value: 2 * 500 },
      { labels: { ...id('team-a'), type: 'cache_read' }, value: 2 * 400 },
      { labels: { ...id('team-a'), type: 'cache_write' }, value: 2 * 100 },
      { labels: { ...id('team-a'), type: 'output' }, value: 2 * 150 },
      { labels: { ...id('team-a'), type: 'reasoning' }, value: 2 * 50 },
    ]);
    // Summed over type: every token of every call; each type: the events' own figures.
    expect(total(samples, 'tollgate_tokens_total')).toBe(sum(events.map((e) => e.usage.totalTokens)));
    expect(total(samples, 'tollgate_tokens_total', { type: 'cache_read' })).toBe(sum(events.map((e) => e.usage.cacheReadTokens)));
    expect(total(samples, 'tollgate_tokens_total', { type: 'reasoning' })).toBe(sum(events.map((e) => e.usage.reasoningTokens)));
    expect(total(samples, 'tollgate_tokens_total', { type: 'input' }) + total(samples, 'tollgate_tokens_total', { type: 'cache_read' }) + total(samples, 'tollgate_tokens_total', { type: 'cache_write' })).toBe(
      sum(events.map((e) => e.usage.inputTokens)),
    );

    // Cost: the events' costs, series by series; the failed call is priced at 0, the refused one not at all.
    const cost = (workspace: string, integration = 'llm') => sum(events.filter((e) => e.workspace === workspace && e.integration === integration).map((e) => e.cost ?? 0));
    expect(series(samples, 'tollgate_cost_usd_total')).toEqual([
      { labels: id('team-a'), value: cost('team-a') },
      { labels: id('limited'), value: cost('limited') },
      { labels: id('team-a', 'flaky'), value: 0 },
    ]);
    expect(cost('team-a')).toBeCloseTo(2 * CALL_COST, 12);
    expect(total(samples, 'tollgate_cost_usd_total')).toBeCloseTo(sum(events.map((e) => e.cost ?? 0)), 12);
    expect(series(samples, 'tollgate_unpriced_requests_total')).toEqual([]);

    // Nothing overflowed; the overflow series exist at 0 for every capped label.
    expect(series(samples, 'tollgate_label_overflow_total')).toEqual(
      ['workspace', 'integration', 'provider', 'model', 'code'].map((label) => ({ labels: { label }, value: 0 })),
    );
  });

  it('observes every call in the duration histogram, in seconds, by status', async () => {
    const { gateway, events, scrape } = setup();
    await gateway.chat(ask('@llm/gpt-x'));
    await gateway.chat(ask('@llm/gpt-x'));
    await fail(gateway.chat(ask('@flaky/gpt-x')));
    const samples = await scrape();

    expect(series(samples, 'tollgate_request_duration_seconds_count')).toEqual([
      { labels: { ...id('team-a'), status: 'success' }, value: 2 },
      { labels: { ...id('team-a', 'flaky'), status: 'error' }, value: 1 },
    ]);
    expect(total(samples, 'tollgate_request_duration_seconds_sum')).toBeCloseTo(sum(events.map((e) => e.latencyMs / 1000)), 9);
    // Each bucket holds the calls at or under its bound, whatever the latencies were.
    const buckets = samples.filter((s) => s.name === 'tollgate_request_duration_seconds_bucket' && s.labels.status === 'success');
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.01', '0.02', '0.04', '0.08', '0.16', '0.32', '0.64', '1.28', '2.56', '5.12', '10.24', '20.48', '40.96', '81.92', '163.84', '327.68', '+Inf']);
    const successes = events.filter((e) => e.status === 'success');
    for (const bucket of buckets) {
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.value).toBe(successes.filter((e) => e.latencyMs / 1000 <= le).length);
    }
    // Not a stream: no time to first token.
    expect(total(samples, 'tollgate_time_to_first_token_seconds_count')).toBe(0);
  });

  it('a streamed call feeds the time-to-first-token histogram; other calls do not', async () => {
    const { gateway, events, scrape } = setup();
    const stream = await gateway.chat(ask('@llm/gpt-x', { stream: true }));
    for await (const chunk of stream) void chunk;
    await gateway.chat(ask('@llm/gpt-x'));
    const samples = await scrape();

    const streamed = events.find((e) => e.stream)!;
    expect(streamed.ttftMs).toEqual(expect.any(Number));
    expect(series(samples, 'tollgate_time_to_first_token_seconds_count')).toEqual([{ labels: id('team-a'), value: 1 }]);
    expect(series(samples, 'tollgate_time_to_first_token_seconds_sum')).toEqual([{ labels: id('team-a'), value: streamed.ttftMs! / 1000 }]);
    const ttftBuckets = samples.filter((s) => s.name === 'tollgate_time_to_first_token_seconds_bucket');
    expect(ttftBuckets.at(0)!.labels.le).toBe('0.001');
    for (const bucket of ttftBuckets) {
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.value).toBe(streamed.ttftMs! / 1000 <= le ? 1 : 0);
    }
    // The stream's usage is counted like any call's.
    expect(total(samples, 'tollgate_requests_total', { status: 'success' })).toBe(2);
    expect(total(samples, 'tollgate_tokens_total')).toBe(2 * 1_200);
  });

  it('caps each label: values past maxLabelValues become __other__ on every metric, and are counted', async () => {
    const { gateway, events, scrape } = setup({ maxLabelValues: 2 });
    for (const workspace of ['w1', 'w2', 'w3', 'w4', 'w1', 'w3']) await gateway.chat(ask('@llm/gpt-x', { workspace }));
    const samples = await scrape();

    expect(series(samples, 'tollgate_requests_total')).toEqual([
      { labels: { ...id('w1'), status: 'success' }, value: 2 },
      { labels: { ...id('w2'), status: 'success' }, value: 1 },
      { labels: { ...id('__other__'), status: 'success' }, value: 3 },
    ]);
    // The same folding on every metric: cost and tokens of w3 and w4 land in __other__.
    const folded = events.filter((e) => e.workspace === 'w3' || e.workspace === 'w4');
    expect(total(samples, 'tollgate_cost_usd_total', { workspace: '__other__' })).toBe(sum(folded.map((e) => e.cost!)));
    expect(total(samples, 'tollgate_tokens_total', { workspace: '__other__' })).toBe(3 * 1_200);
    expect(total(samples, 'tollgate_request_duration_seconds_count', { workspace: '__other__' })).toBe(3);
    // Once per call and label.
    expect(total(samples, 'tollgate_label_overflow_total', { label: 'workspace' })).toBe(3);
    expect(total(samples, 'tollgate_label_overflow_total', { label: 'model' })).toBe(0);
  });

  it('takes a cap per label; unlisted labels keep the default of 100', async () => {
    const { gateway, scrape } = setup({ maxLabelValues: { model: 1 } });
    await gateway.chat(ask('@llm/gpt-x'));
    await gateway.chat(ask('@llm/gpt-y'));
    for (let i = 0; i < 5; i++) await gateway.chat(ask('@llm/gpt-x', { workspace: `w${i}` }));
    const samples = await scrape();

    expect(series(samples, 'tollgate_requests_total').map((s) => [s.labels.workspace, s.labels.model, s.value])).toEqual([
      ['team-a', 'gpt-x', 1],
      ['team-a', '__other__', 1],
      ...[0, 1, 2, 3, 4].map((i) => [`w${i}`, 'gpt-x', 1]),
    ]);
    expect(total(samples, 'tollgate_label_overflow_total', { label: 'model' })).toBe(1);
    expect(total(samples, 'tollgate_label_overflow_total', { label: 'workspace' })).toBe(0);
  });

  it('leaves key and user out by default', async () => {
    const { gateway, registry, scrape } = setup();
    await gateway.chat({ key: 'app-1', model: 'gpt-x', messages: [{ role: 'user', content: 'Hi' }], user: 'u-42' });
    const samples = await scrape();

    expect(series(samples, 'tollgate_requests_total')).toEqual([{ labels: { ...id('team-a'), status: 'success' }, value: 1 }]);
    const text = await registry.metrics();
    expect(text).not.toContain('app-1');
    expect(text).not.toContain('u-42');
    expect(text).not.toMatch(/\b(key|user)="/);
  });

  it('adds key and user labels when asked, capped like the others (a value too long to be an id is folded)', async () => {
    const { gateway, scrape } = setup({ labels: ['workspace', 'model', 'key', 'user'] });
    await gateway.chat({ key: 'app-1', model: 'gpt-x', messages: [{ role: 'user', content: 'Hi' }], user: 'u-42' });
    await gateway.chat(ask('@llm/gpt-x', { metadata: { user: 'u-7' } }));
    await gateway.chat(ask('@llm/gpt-x', { user: 'x'.repeat(300) }));
    const samples = await scrape();

    expect(series(samples, 'tollgate_requests_total')).toEqual([
      { labels: { workspace: 'team-a', model: 'gpt-x', key: 'app-1', user: 'u-42', operation: 'chat', status: 'success' }, value: 1 },
      // No key: the empty value, which Prometheus reads as "no label".
      { labels: { workspace: 'team-a', model: 'gpt-x', key: '', user: 'u-7', operation: 'chat', status: 'success' }, value: 1 },
      { labels: { workspace: 'team-a', model: 'gpt-x', key: '', user: '__other__', operation: 'chat', status: 'success' }, value: 1 },
    ]);
    expect(total(samples, 'tollgate_label_overflow_total', { label: 'user' })).toBe(1);
  });

  it('labels embeddings calls with their operation; they use input tokens only', async () => {
    const { gateway, events, scrape } = setup();
    await gateway.embeddings({ workspace: 'team-a', model: '@llm/embed-1', input: ['first text', 'second text'] });
    const samples = await scrape();

    const labels = { ...id('team-a', 'llm', 'embed-1'), operation: 'embeddings' };
    expect(series(samples, 'tollgate_requests_total')).toEqual([{ labels: { ...labels, status: 'success' }, value: 1 }]);
    expect(series(samples, 'tollgate_tokens_total')).toEqual([{ labels: { ...labels, type: 'input' }, value: events[0]!.usage.inputTokens }]);
    expect(series(samples, 'tollgate_cost_usd_total')).toEqual([{ labels, value: events[0]!.cost }]);
  });

  it('counts calls on a model without a price apart, since their cost is missing', async () => {
    const { gateway, scrape } = setup();
    await gateway.chat(ask('@llm/gpt-y'));
    const samples = await scrape();

    expect(series(samples, 'tollgate_unpriced_requests_total')).toEqual([{ labels: id('team-a', 'llm', 'gpt-y'), value: 1 }]);
    expect(series(samples, 'tollgate_cost_usd_total')).toEqual([]);
    expect(total(samples, 'tollgate_tokens_total')).toBe(1_200);
  });

  it('exposes HELP and TYPE for every metric, with the prefix', async () => {
    const { registry } = setup({ prefix: 'llm_' });
    const text = await registry.metrics();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => `${name} ${type}`);
    expect(types).toEqual([
      'llm_requests_total counter',
      'llm_tokens_total counter',
      'llm_cost_usd_total counter',
      'llm_unpriced_requests_total counter',
      'llm_errors_total counter',
      'llm_request_duration_seconds histogram',
      'llm_time_to_first_token_seconds histogram',
      'llm_label_overflow_total counter',
    ]);
    expect(text.match(/^# HELP /gm)).toHaveLength(8);
  });

  it('takes custom buckets', async () => {
    const { gateway, scrape } = setup({ buckets: { duration: [0.5, 30], ttft: [0.25] } });
    const stream = await gateway.chat(ask('@llm/gpt-x', { stream: true }));
    for await (const chunk of stream) void chunk;
    const samples = await scrape();

    expect(samples.filter((s) => s.name === 'tollgate_request_duration_seconds_bucket').map((s) => s.labels.le)).toEqual(['0.5', '30', '+Inf']);
    expect(samples.filter((s) => s.name === 'tollgate_time_to_first_token_seconds_bucket').map((s) => s.labels.le)).toEqual(['0.25', '+Inf']);
  });

  it('works with an OpenMetrics registry', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }], sinks: [prometheusSink(registry)] });
    await gateway.chat(ask('@llm/m'));
    await gateway.flush();
    const text = await registry.metrics();

    expect(text).toMatch(/^# TYPE tollgate_requests counter$/m);
    expect(total(parseExposition(text), 'tollgate_requests_total', { status: 'success' })).toBe(1);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('passes the delivery options to the gateway: a cap leaves calls uncounted, and stats() says so', async () => {
    const { sink, gateway, scrape } = setup({ name: 'metrics', cap: { events: 1, per: 'minute' }, queueSize: 50, batchSize: 10, timeoutMs: 1_000 });
    expect(sink).toMatchObject({ name: 'metrics', cap: { events: 1, per: 'minute' }, queueSize: 50, batchSize: 10, timeoutMs: 1_000 });
    await gateway.chat(ask('@llm/gpt-x'));
    await gateway.chat(ask('@llm/gpt-x'));
    const samples = await scrape();

    expect(total(samples, 'tollgate_requests_total')).toBe(1);
    expect(gateway.stats().sinks).toMatchObject([{ name: 'metrics', delivered: 1, capped: 1, dropped: 0, errors: 0 }]);
  });

  it('one sink may serve several gateways: their calls add up', async () => {
    const registry = new Registry();
    const sink = prometheusSink(registry);
    const config = { integrations: [{ slug: 'llm', provider: 'mock' as const, workspaces: 'all' as const }], sinks: [sink] };
    const [a, b] = [createGateway(config), createGateway(config)];
    await a.chat(ask('@llm/m'));
    await b.chat(ask('@llm/m'));
    await a.close();
    await b.chat(ask('@llm/m'));
    await b.flush();

    expect(total(parseExposition(await registry.metrics()), 'tollgate_requests_total')).toBe(3);
  });

  it('refuses a second sink on the same registry and prefix, leaving the registry as it was; another prefix is fine', async () => {
    const registry = new Registry();
    prometheusSink(registry);
    const before = await registry.metrics();

    expect(() => prometheusSink(registry)).toThrow(ConfigError);
    expect(() => prometheusSink(registry)).toThrow(/already has tollgate_requests_total, tollgate_tokens_total, .*give that same sink to every gateway/);
    expect(await registry.metrics()).toBe(before);
    // One clashing name is enough to refuse, and nothing of the second sink is registered.
    new Gauge({ name: 'app_errors_total', help: 'an application metric', registers: [registry] });
    expect(() => prometheusSink(registry, { prefix: 'app_' })).toThrow(/already has app_errors_total \(another/);
    expect(registry.getSingleMetric('app_requests_total')).toBeUndefined();

    prometheusSink(registry, { prefix: 'other_' });
    expect(registry.getSingleMetric('other_requests_total')).toBeDefined();
  });

  it('registers nothing on the default registry', () => {
    setup();
    expect(register.getSingleMetric('tollgate_requests_total')).toBeUndefined();
  });

  it('validates its options: every problem named by its path, nothing registered', () => {
    const registry = new Registry();
    const attempt = (options: unknown) => () => prometheusSink(registry, options as PrometheusSinkOptions);

    expect(attempt({ maxLabelValues: 0 })).toThrow('options.maxLabelValues: must be at least 1');
    expect(attempt({ maxLabelValues: { model: 2.5 } })).toThrow('options.maxLabelValues.model: must be an integer');
    expect(attempt({ labels: ['workspace', 'requestId'] })).toThrow('options.labels[1]: must be one of workspace, integration, provider, model, key, user');
    expect(attempt({ labels: ['model', 'model'] })).toThrow('options.labels: must not repeat a label');
    expect(attempt({ prefix: 'tollgate-' })).toThrow('options.prefix: must be letters, digits and underscores');
    expect(attempt({ buckets: { duration: [1, 0.5] } })).toThrow('options.buckets.duration: must be in increasing order');
    expect(attempt({ buckets: { ttft: [] } })).toThrow('options.buckets.ttft: must have at least one bucket');
    expect(attempt({ cap: { events: 10, per: 'week' } })).toThrow('options.cap.per: must be minute, hour, day or month');
    expect(attempt({ timeoutMs: -1 })).toThrow('options.timeoutMs: must be at least 1');
    expect(attempt({ lables: ['key'] })).toThrow('options: Unrecognized key: "lables"');
    // Every problem at once.
    expect(attempt({ prefix: 'a-b', queueSize: 0 })).toThrow(/\(2 problems\):\n {2}- options\.prefix: .*\n {2}- options\.queueSize: must be at least 1/);
    expect(attempt({ prefix: 'a-b' })).toThrow(ConfigError);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('refuses sampling: a sampled counter is wrong on every series', () => {
    const attempt = () => prometheusSink(new Registry(), { sampling: { rate: 0.1 } } as unknown as PrometheusSinkOptions);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('options.sampling: is not supported by the Prometheus sink: its counters must count every call');
  });

  it('refuses what is not a registry', () => {
    expect(() => prometheusSink(undefined as never)).toThrow('registry: must be a prom-client Registry');
    expect(() => prometheusSink({ metrics: 'x' } as never)).toThrow(ConfigError);
  });

  it('the README recipe: limit gauges read from gateway.limits.status() at scrape time', async () => {
    const { gateway, registry } = setup();
    new Gauge({
      name: 'tollgate_limit_remaining',
      help: 'What is left of each budget and rate limit, in its unit (USD, tokens or requests).',
      labelNames: ['scope', 'kind', 'type'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await gateway.limits.status({ workspace: 'limited', integration: 'llm' })) this.set({ scope: s.scope, kind: s.kind, type: s.type }, s.remaining);
      },
    });
    const before = parseExposition(await registry.metrics());
    await gateway.chat(ask('@llm/gpt-x', { workspace: 'limited' }));
    const after = parseExposition(await registry.metrics());

    expect(series(before, 'tollgate_limit_remaining')).toEqual([{ labels: { scope: 'workspace:limited', kind: 'rateLimit', type: 'requests' }, value: 1 }]);
    expect(series(after, 'tollgate_limit_remaining')).toEqual([{ labels: { scope: 'workspace:limited', kind: 'rateLimit', type: 'requests' }, value: 0 }]);
  });
});
