import { z } from 'zod';

/**
 * Models a limit applies to, inside its scope (`models: ['gpt-4o']`): the provider's model ids,
 * as allowlists name them. Calls to other models pass it by. Absent: every model.
 */
const modelsField = z
  .array(z.string().min(1, 'must be a model id'))
  .min(1, 'must name at least one model (leave it out for every model)')
  .transform((models) => [...new Set(models)].sort())
  .optional();

/**
 * A budget: a cap on spend (USD) or tokens, optionally reset weekly (Sunday 00:00 UTC) or
 * monthly (1st, 00:00 UTC). Minimums (1 USD, 100 tokens) come from the product's semantics.
 */
export const budgetSchema = z
  .strictObject({
    type: z.enum(['cost', 'tokens']),
    limit: z.number().positive().finite(),
    alertThreshold: z.number().positive().finite().optional(),
    /** Several thresholds, each announced once per period (kept sorted, without repeats). */
    alertThresholds: z
      .array(z.number().positive().finite())
      .min(1, 'must hold at least one threshold (leave it out for none)')
      .transform((ts) => [...new Set(ts)].sort((a, b) => a - b))
      .optional(),
    reset: z.enum(['none', 'weekly', 'monthly']).default('none'),
    models: modelsField,
  })
  .superRefine((b, ctx) => {
    if (b.type === 'cost' && b.limit < 1) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: `a cost budget must be at least 1 USD (got ${b.limit})` });
    }
    if (b.type === 'tokens' && (b.limit < 100 || !Number.isInteger(b.limit))) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: `a token budget must be a whole number of at least 100 tokens (got ${b.limit})` });
    }
    const top = b.alertThresholds?.at(-1);
    if (top !== undefined && top >= b.limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertThresholds'],
        message: `every alert threshold must be below the limit (${b.limit}; got ${top}); they are in the budget's unit (${b.type === 'cost' ? 'USD' : 'tokens'})`,
      });
    }
    if (b.alertThreshold !== undefined && b.alertThreshold >= b.limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertThreshold'],
        message: `alertThreshold (${b.alertThreshold}) must be below the limit (${b.limit}); it is in the budget's unit (${b.type === 'cost' ? 'USD' : 'tokens'})`,
      });
    }
  });

/**
 * A rate limit: requests or tokens per UTC minute, hour or day; or `concurrency`, calls in flight
 * at once (no window: a slot is taken at admission and given back when the call ends). A limit
 * of 0 disables the scope.
 */
export const rateLimitSchema = z
  .strictObject({
    type: z.enum(['requests', 'tokens', 'concurrency']),
    limit: z.number().int('must be a whole number').min(0),
    per: z.enum(['minute', 'hour', 'day']).optional(),
    models: modelsField,
  })
  .superRefine((r, ctx) => {
    if (r.type === 'concurrency' && r.per !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['per'], message: 'a concurrency limit has no window: it counts calls in flight (leave `per` out)' });
    }
    if (r.type !== 'concurrency' && r.per === undefined) {
      ctx.addIssue({ code: 'custom', path: ['per'], message: `a ${r.type} limit needs its window: 'minute', 'hour' or 'day'` });
    }
  })
  // Checked above: a window exactly when the type has one.
  .transform((r) => r as RateLimit);

/** The request attribute that names a templated scope's buckets: its `user`, or a `metadata` field. */
export const attributeSchema = z.string().regex(/^(user|metadata\.[A-Za-z0-9_.-]{1,64})$/, "must be 'user' or 'metadata.<field>' (e.g. 'metadata.customerId')");

const tierLimitsSchema = z.strictObject({
  budgets: z.array(budgetSchema).default([]),
  rateLimits: z.array(rateLimitSchema).default([]),
});

/**
 * A templated scope: limits that every distinct value of a request attribute gets for itself
 * (each user, each customer...), under the scope that declares it. `tiers`: limits by the tier
 * the gateway's `tier(request)` names, replacing `budgets` and `rateLimits` for that tier;
 * `overrides`: limits of one value, replacing those of its tier (set at runtime with
 * `provisioning.override`).
 */
export const eachSchema = z.strictObject({
  by: attributeSchema,
  budgets: z.array(budgetSchema).default([]),
  rateLimits: z.array(rateLimitSchema).default([]),
  tiers: z.record(z.string().min(1).max(64), tierLimitsSchema).default({}),
  /** Limits of single values (one user, one customer), replacing those of their tier. */
  overrides: z.record(z.string().min(1).max(256), tierLimitsSchema).default({}),
});

/** The budgets and rate limits of a tier or of an override. */
export type TierLimits = z.output<typeof tierLimitsSchema>;

export const limitsShape = {
  budgets: z.array(budgetSchema).default([]),
  rateLimits: z.array(rateLimitSchema).default([]),
  each: z
    .array(eachSchema)
    .default([])
    .superRefine((each, ctx) => {
      const seen = new Set<string>();
      each.forEach((e, i) => {
        if (seen.has(e.by)) ctx.addIssue({ code: 'custom', path: [i, 'by'], message: `'${e.by}' is templated twice in this scope: give it one entry` });
        seen.add(e.by);
      });
    }),
};

export type Each = z.output<typeof eachSchema>;

export type Budget = z.output<typeof budgetSchema>;
export type BudgetInput = z.input<typeof budgetSchema>;
/** A windowed rate limit, or a concurrency limit (no window). */
export type RateLimit =
  | { type: 'requests' | 'tokens'; limit: number; per: 'minute' | 'hour' | 'day'; models?: string[] }
  | { type: 'concurrency'; limit: number; models?: string[] };
