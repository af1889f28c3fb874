import { z } from 'zod';

/**
 * A budget: a cap on spend (USD) or tokens, optionally reset weekly (Sunday 00:00 UTC) or
 * monthly (1st, 00:00 UTC). Minimums (1 USD, 100 tokens) come from the product's semantics.
 */
export const budgetSchema = z
  .strictObject({
    type: z.enum(['cost', 'tokens']),
    limit: z.number().positive().finite(),
    alertThreshold: z.number().positive().finite().optional(),
    reset: z.enum(['none', 'weekly', 'monthly']).default('none'),
  })
  .superRefine((b, ctx) => {
    if (b.type === 'cost' && b.limit < 1) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: `a cost budget must be at least 1 USD (got ${b.limit})` });
    }
    if (b.type === 'tokens' && (b.limit < 100 || !Number.isInteger(b.limit))) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: `a token budget must be a whole number of at least 100 tokens (got ${b.limit})` });
    }
    if (b.alertThreshold !== undefined && b.alertThreshold >= b.limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertThreshold'],
        message: `alertThreshold (${b.alertThreshold}) must be below the limit (${b.limit}); it is in the budget's unit (${b.type === 'cost' ? 'USD' : 'tokens'})`,
      });
    }
  });

/** A rate limit: requests or tokens per UTC minute, hour or day. A limit of 0 disables the scope. */
export const rateLimitSchema = z.strictObject({
  type: z.enum(['requests', 'tokens']),
  limit: z.number().int('must be a whole number').min(0),
  per: z.enum(['minute', 'hour', 'day']),
});

export const limitsShape = {
  budgets: z.array(budgetSchema).default([]),
  rateLimits: z.array(rateLimitSchema).default([]),
};

export type Budget = z.output<typeof budgetSchema>;
export type BudgetInput = z.input<typeof budgetSchema>;
export type RateLimit = z.output<typeof rateLimitSchema>;
