import { z } from 'zod';
import { secretSchema } from '../secrets/secret-schema.js';
import { limitsShape } from './limits-schema.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_RULE = 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-"';

/** The gateway events a sink's `notify` can receive (see SinkNoticeMap). */
export const SINK_NOTICE_TYPES = ['budget.alert', 'budget.exhausted', 'budget.overshoot', 'ratelimit.exceeded', 'budget.changed', 'store.degraded', 'policy.changed'] as const;

export const slugSchema = z.string().max(64).regex(NAME, NAME_RULE);
export const workspaceNameSchema = z.string().max(128).regex(NAME, NAME_RULE);
export const modelIdSchema = z.string().min(1, 'must not be empty').max(256);

/** USD per 1M tokens. Reasoning tokens are priced as output. */
export const priceSchema = z.strictObject({
  input: z.number().min(0).finite(),
  output: z.number().min(0).finite(),
  /** Cached input read; defaults to `input` when absent. */
  cachedInput: z.number().min(0).finite().optional(),
  /** Prompt-cache write; defaults to `input` when absent. */
  cacheWrite: z.number().min(0).finite().optional(),
});

export const customModelSchema = z.strictObject({
  id: modelIdSchema,
  name: z.string().optional(),
  pricing: priceSchema.optional(),
});

/**
 * `literal` or a value of `schema`. A zod union would report a mistake deep inside the object
 * (a budget's limit) as "matches neither"; choosing the branch by the input keeps the inner
 * issue and its path.
 */
function literalOr<L extends string | boolean, T extends z.ZodType>(literal: L, schema: T, message: string) {
  return z.unknown().transform((value, ctx): L | z.output<T> => {
    if (value === literal) return literal;
    if (typeof value === 'object' && value !== null) {
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

/** The provisioning of an integration to one workspace (or `'*'`: to every workspace). */
export const grantSchema = z.strictObject({
  models: z.array(modelIdSchema).optional(),
  ...limitsShape,
});

/** A grant, or `false`: explicitly not provisioned (e.g. excluded from a `'*'` grant). */
export const grantEntrySchema = literalOr(false, grantSchema, 'must be a grant object, or false to exclude the workspace');

/** Fields common to every integration; providers add theirs (credentials, options). */
export const integrationBaseShape = {
  slug: slugSchema,
  name: z.string().optional(),
  description: z.string().optional(),
  /** Refuses every call (`IntegrationDisabledError`) while keeping its grants, keys and spend. */
  disabled: z.boolean().optional(),
  baseURL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    // Never the URL in the message: it is the part that holds the password.
    .refine((url) => {
      const parsed = new URL(url);
      return parsed.username === '' && parsed.password === '';
    }, 'must not carry credentials (user:password@): put them in credentials, or in headers as secrets')
    .optional(),
  /**
   * Extra headers sent with every request to the provider, plain or as secrets (a custom auth
   * header): every value is kept out of errors, events and answers like a credential.
   */
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name'),
      z.union([z.string().regex(/^[^\r\n\0]*$/, 'must not contain line breaks'), secretSchema], {
        error: "must be a string or a secret (secret.env('NAME'), secret.value(value), secret.from(...))",
      }),
    )
    .default({}),
  models: literalOr('all', z.array(modelIdSchema), "must be 'all' or a list of model ids").default('all'),
  customModels: z.array(customModelSchema).default([]),
  pricing: z.record(modelIdSchema, priceSchema).default({}),
  workspaces: literalOr(
    'all',
    z.record(z.string(), grantEntrySchema),
    "must be 'all' or an object of workspace grants (use '*' for every workspace)",
  ),
  /** Upstream timeout of one attempt for this integration, overriding the gateway's. */
  timeoutMs: z.number().int().positive().optional(),
  ...limitsShape,
};

export const workspacePolicySchema = z.strictObject({ ...limitsShape });

export const keySchema = z.strictObject({
  id: z.string().min(1).max(128).regex(NAME, NAME_RULE),
  workspace: workspaceNameSchema,
  integration: slugSchema,
  name: z.string().optional(),
  models: z.array(modelIdSchema).optional(),
  /** SHA-256 of the key's token (`hashKey(token)` from `tollgate/http`): the token itself is never configured. */
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the token as 64 lowercase hex digits (hashKey(token) or generateKey().hash from tollgate/http), never the token itself')
    .optional(),
  /** Labels of the key (owner, app, ticket...), returned by `gateway.keys.get`. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** ISO time from which the key is refused (`KeyExpiredError`). */
  expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2027-01-31T00:00:00Z' }).optional(),
  ...limitsShape,
});

export const retrySchema = z
  .strictObject({
    /** Retries after the first attempt. Default 2. */
    retries: z.number().int().min(0).max(10).default(2),
    /** First backoff delay. Default 500 ms. */
    minDelayMs: z.number().int().min(0).default(500),
    /** Backoff cap. Default 8,000 ms. */
    maxDelayMs: z.number().int().min(0).default(8_000),
    /** A provider Retry-After longer than this is not waited for: the error is returned. Default 60,000 ms. */
    maxRetryAfterMs: z.number().int().min(0).default(60_000),
  })
  .default({ retries: 2, minDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 });

export const eventsSchema = z
  .strictObject({
    /** Events a sink may have waiting; beyond it new events are dropped (and counted). Default 10,000. */
    queueSize: z.number().int().positive().default(10_000),
    /** Events handed to a sink's `write` at once. Default 100. */
    batchSize: z.number().int().positive().default(100),
    /** A `write` that takes longer is abandoned, its events counted as dropped. Default 30,000 ms. */
    sinkTimeoutMs: z.number().int().positive().default(30_000),
  })
  .default({ queueSize: 10_000, batchSize: 100, sinkTimeoutMs: 30_000 });

const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `must be ${what}`);

const positiveInt = z.number().int().positive();
const optionalFn = (what: string) => fn(what).optional();

/** The delivery options and methods of a sink object; checked, never copied (a sink may be a class instance). */
const sinkObjectSchema = z
  .looseObject({
    name: z.string().min(1).optional(),
    write: optionalFn('a function (events, { signal }) => void | Promise<void>'),
    notify: optionalFn('a function (notice, { signal }) => void | Promise<void>'),
    flush: optionalFn('a function'),
    close: optionalFn('a function'),
    notices: z.array(z.enum(SINK_NOTICE_TYPES)).optional(),
    sampling: z.strictObject({ rate: z.number().min(0).max(1), keepFailures: z.boolean().optional() }).optional(),
    cap: z.strictObject({ events: positiveInt, per: z.enum(['minute', 'hour', 'day', 'month']) }).optional(),
    queueSize: positiveInt.optional(),
    batchSize: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
  })
  .refine((sink) => sink.write !== undefined || sink.notify !== undefined, 'a sink object needs a write(events) or a notify(notice) method');

const sinkSchema = z.any().superRefine((value: unknown, ctx) => {
  if (typeof value === 'function') return;
  if (typeof value !== 'object' || value === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a function or an object with a write(events) or notify(notice) method' });
    return;
  }
  const result = sinkObjectSchema.safeParse(value);
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});

export const limitsOptionsSchema = z
  .strictObject({
    /** Output tokens reserved when a request sets no `max_tokens`. Default 4,096. */
    defaultMaxOutputTokens: z.number().int().positive().default(4_096),
    /**
     * A request without an output limit whose default reservation does not fit a budget or token
     * limit is admitted with a smaller one, down to this many output tokens. Default 16.
     */
    minOutputTokens: z.number().int().positive().default(16),
    /**
     * How input tokens are estimated for reservations. `upper-bound` (default): the UTF-8 size of
     * the prompt, which no tokenizer exceeds, so budgets and token limits never overshoot.
     * `average`: about 4 characters a token, closer to real counts but may overshoot.
     */
    inputEstimate: z.enum(['upper-bound', 'average']).default('upper-bound'),
    /** A model without a price under a cost budget: `reject` (default) or `allow` (not charged). */
    unpricedModels: z.enum(['reject', 'allow']).default('reject'),
    /** A reservation not settled within this time is released. Default 30 minutes. */
    reservationTtlMs: z.number().int().positive().default(30 * 60_000),
    /** A budget refusing a call with no more than this share of it left announces itself exhausted. Default 0.05. */
    exhaustedShare: z.number().min(0).max(0.5).default(0.05),
  })
  .refine((o) => o.minOutputTokens <= o.defaultMaxOutputTokens, {
    path: ['minOutputTokens'],
    message: 'must not be above defaultMaxOutputTokens (the reservation only ever shrinks)',
  })
  .default({ defaultMaxOutputTokens: 4_096, minOutputTokens: 16, inputEstimate: 'upper-bound', unpricedModels: 'reject', reservationTtlMs: 30 * 60_000, exhaustedShare: 0.05 });

const storeSchema = z.custom<object>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['admit', 'settle', 'read', 'registerBudgets'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'must be a store (memoryStore(), redisStore(...), or an object with admit, settle, read and registerBudgets)',
);

const DAY_MS = 86_400_000;
const RETENTION = { minute: DAY_MS, hour: 31 * DAY_MS, day: 400 * DAY_MS };
const ANALYTICS = { flushIntervalMs: 1_000, maxPendingCells: 10_000, retention: RETENTION, byUser: true };

/** Analytics rollups (`gateway.analytics.query`), or `false` to keep none. */
export const analyticsSchema = z
  .union([
    z.literal(false),
    z.strictObject({
      /** How often the calls' rollups are written to the store (off the request path). Default 1,000 ms. */
      flushIntervalMs: z.number().int().min(10).default(ANALYTICS.flushIntervalMs),
      /** How long buckets are kept after they end, per granularity (ms). Default: minutes 1 day, hours 31 days, days 400 days. */
      retention: z
        .strictObject({
          minute: z.number().int().min(60_000).default(RETENTION.minute),
          hour: z.number().int().min(3_600_000).default(RETENTION.hour),
          day: z.number().int().min(DAY_MS).default(RETENTION.day),
        })
        .default(RETENTION),
      /** Cells waiting for the store (it failed) beyond which the oldest batch is dropped, and counted. Default 10,000. */
      maxPendingCells: z.number().int().positive().default(ANALYTICS.maxPendingCells),
      /** Whether `user` is a dimension (a cell per end user and bucket). Default true; false for millions of end users. */
      byUser: z.boolean().default(true),
    }),
  ])
  .default(ANALYTICS);

/** How long a call may wait for capacity and its rank (`ChatOptions.wait`; the config's default takes `maxMs`). */
export const waitSchema = z.strictObject({
  maxMs: z.number({ error: 'must be a non-negative integer of milliseconds' }).int('must be a non-negative integer of milliseconds').min(0, 'must be a non-negative integer of milliseconds'),
  priority: z.number({ error: 'must be a finite number' }).optional(),
});

/** The root object; `integrations` and `keys` are checked element by element (see parse-config). */
export const rootSchema = z.strictObject({
  integrations: z.array(z.unknown()).min(1, 'at least one integration is required'),
  workspaces: z.record(z.string(), z.unknown()).default({}),
  // Only an array here, its keys not walked: parse-config parses each key (zod's walk of 100,000
  // unknown elements cost about 150 ms of createGateway, for nothing).
  keys: z.custom<unknown[]>((value) => Array.isArray(value), 'must be an array of keys').default([]),
  sinks: z.array(sinkSchema).default([]),
  retry: retrySchema,
  /** Upstream timeout of one attempt. Default 600,000 ms (10 minutes, like the OpenAI SDK). */
  timeoutMs: z.number().int().positive().default(600_000),
  /** A stream the caller stops reading for this long is closed and settled; 0: never. Default 5 minutes. */
  streamIdleTimeoutMs: z.number().int().min(0).default(300_000),
  /** How often the store's policy log is read for changes made by other gateways (the backstop of the push). Default 1 s. */
  policyPollMs: z.number().int().positive().default(1_000),
  events: eventsSchema,
  /** Where limit counters live. Default: a new memoryStore(). */
  store: storeSchema.optional(),
  /** When the store fails or times out: refuse the call (default), or let it through unchecked. */
  onStoreError: z.enum(['fail-closed', 'fail-open']).default('fail-closed'),
  /** A store call that takes longer counts as failed. Default 250 ms. */
  storeTimeoutMs: z.number().int().positive().default(250),
  limits: limitsOptionsSchema,
  analytics: analyticsSchema,
  clock: fn('a function returning epoch milliseconds').optional(),
  /** The tier of a request, for the `tiers` of templated scopes (`each`). */
  tier: fn('a function (request) => the tier name, or null').optional(),
  fetch: fn('a fetch function').optional(),
  /** How long a call refused by a rate or concurrency limit waits for capacity, by default. */
  wait: waitSchema.pick({ maxMs: true }).optional(),
  /** Loaders of `secret.ref(resolver, name)` secrets, by resolver name. */
  secretResolvers: z.record(z.string().min(1), fn('a function (name) => the secret value')).default({}),
});
