import { z } from 'zod';
import { customModelSchema, grantSchema, modelIdSchema, priceSchema } from '../config/config-schema.js';
import { budgetSchema, eachSchema, rateLimitSchema } from '../config/limits-schema.js';
import { providers } from '../providers/registry.js';

/**
 * The admin API's JSON, as zod schemas: they validate what callers send (a bad body is a 400
 * naming the field) and are the OpenAPI document's components (`openapi.json`), so the two never
 * disagree. Budgets, rate limits and grants are the config's own schemas.
 */

/** The schemas the OpenAPI document names (components.schemas), by id. */
export const adminSchemas = z.registry<{ id: string; description?: string }>();

const name = z.string().min(1).max(128);

/** A secret, by reference: the name of an environment variable, or a resolver's name for it. Never a value. */
export const secretReferenceSchema = z
  .union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ resolver: z.string().min(1), name: z.string().min(1) })])
  .register(adminSchemas, { id: 'SecretReference', description: 'A secret by reference: `{ "env": "NAME" }` or `{ "resolver": "vault", "name": "..." }`. A plain string is not a secret: a credential given as one is refused.' });

/** A credential or header field: a secret reference, or a plain value where the provider takes one (an organization id). */
const fieldValue = z.union([z.string(), secretReferenceSchema]);

const budgets = z.array(budgetSchema);
const rateLimits = z.array(rateLimitSchema);
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2027-01-31T00:00:00Z' });

export const keyCreateSchema = z
  .strictObject({
    workspace: name,
    integration: name.optional().describe('Default: the one integration provisioned to the workspace.'),
    id: name.optional().describe('Default: `key_` and 16 random hex digits.'),
    name: z.string().max(256).optional(),
    models: z.array(modelIdSchema).optional().describe("Narrows the grant's models; never widens them."),
    budgets: budgets.optional(),
    rateLimits: rateLimits.optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    expiresAt: isoTime.optional(),
  })
  .register(adminSchemas, { id: 'KeyCreate' });

export const keyUpdateSchema = keyCreateSchema.omit({ workspace: true, integration: true, id: true }).register(adminSchemas, { id: 'KeyUpdate' });

export const rotateSchema = z
  .strictObject({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(366 * 86_400)
      .optional()
      .describe('How long the previous token keeps working. Default 0: it stops at once.'),
  })
  .register(adminSchemas, { id: 'KeyRotate' });

const integrationFields = {
  name: z.string().optional(),
  description: z.string().optional(),
  baseURL: z.string().optional(),
  headers: z.record(z.string(), fieldValue).optional(),
  models: z.union([z.literal('all'), z.array(modelIdSchema)]).optional(),
  customModels: z.array(customModelSchema).optional(),
  pricing: z.record(z.string(), priceSchema).optional(),
  workspaces: z.union([z.literal('all'), z.record(z.string(), z.union([z.literal(false), grantSchema]))]),
  timeoutMs: z.number().int().positive().optional(),
  credentials: z.record(z.string(), fieldValue).optional(),
  budgets: budgets.optional(),
  rateLimits: rateLimits.optional(),
  each: z.array(eachSchema).optional(),
};

/** An integration as `createGateway({ integrations })` takes it, its secrets by reference; the provider's own fields beside. */
export const integrationCreateSchema = z
  .looseObject({ slug: name, provider: z.enum([...providers.keys()] as [string, ...string[]]), ...integrationFields })
  .register(adminSchemas, { id: 'IntegrationCreate', description: "An integration's config as `createGateway({ integrations })` takes it, with its secrets by reference; the provider's own fields (region, apiVersion...) beside." });

/** The fields to change; null removes an optional one. */
export const integrationUpdateSchema = z
  .looseObject(Object.fromEntries(Object.entries(integrationFields).filter(([field]) => field !== 'workspaces').map(([field, schema]) => [field, (schema as z.ZodType).nullable().optional()])) as Record<string, z.ZodOptional<z.ZodNullable<z.ZodType>>>)
  .register(adminSchemas, { id: 'IntegrationUpdate', description: 'The fields to change (not `slug`, `provider` or `workspaces`: grants change with PUT and DELETE /integrations/{slug}/workspaces/{workspace}); null removes an optional field.' });

export const grantBodySchema = grantSchema.register(adminSchemas, { id: 'Grant', description: "A workspace's access to an integration: the models it may call (default: all the integration's), its budgets and rate limits." });

const secretView = z
  .union([secretReferenceSchema, z.strictObject({ secret: z.enum(['value', 'loader']) })])
  .register(adminSchemas, { id: 'SecretView', description: 'A secret as shown: its reference, or `{ "secret": "value" }` for one given in code (never its value).' });

export const keyInfoSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    integration: z.string(),
    name: z.string().nullable(),
    models: z.array(z.string()).nullable(),
    budgets: budgets,
    rateLimits: rateLimits,
    metadata: z.record(z.string(), z.string()),
    expiresAt: z.string().nullable(),
    source: z.enum(['config', 'runtime']),
    createdAt: z.string().nullable(),
    hasToken: z.boolean(),
    previousValidUntil: z.string().nullable(),
  })
  .register(adminSchemas, { id: 'Key', description: 'A key: never its token, nor its hash.' });

export const keyWithTokenSchema = z
  .object({ key: keyInfoSchema, token: z.string().describe('The bearer token: in this answer only, never stored.') })
  .register(adminSchemas, { id: 'KeyWithToken' });

export const rotatedKeySchema = z
  .object({ key: keyInfoSchema, token: z.string(), previousValidUntil: z.string().describe('Until when the previous token works (now, without a grace).') })
  .register(adminSchemas, { id: 'RotatedKey' });

export const integrationInfoSchema = z
  .object({
    slug: z.string(),
    provider: z.string(),
    name: z.string().nullable(),
    description: z.string().nullable(),
    disabled: z.boolean(),
    source: z.enum(['config', 'runtime']),
    baseURL: z.string().nullable(),
    models: z.union([z.literal('all'), z.array(z.string())]),
    customModels: z.array(customModelSchema),
    pricing: z.record(z.string(), priceSchema),
    workspaces: z.union([z.literal('all'), z.record(z.string(), z.union([z.literal(false), grantSchema]))]),
    budgets: budgets,
    rateLimits: rateLimits,
    timeoutMs: z.number().nullable(),
    credentials: z.record(z.string(), z.union([z.string(), secretView])),
    headers: z.record(z.string(), secretView),
    options: z.record(z.string(), z.unknown()),
  })
  .register(adminSchemas, { id: 'Integration', description: 'An integration: its secrets by reference, never their values.' });

export const callerSchema = z
  .object({
    actor: z.string().nullable().describe('Null for a caller `authorize` let in with `true`.'),
    role: z.enum(['admin', 'manager', 'viewer']),
    workspaces: z.array(z.string()).describe("A manager's workspaces."),
  })
  .register(adminSchemas, { id: 'Caller', description: 'Who the request is made by, as `authorize` said: what the console offers them.' });

export const versionSchema = z.object({ version: z.number().int().describe("The change's place in the policy log.") }).register(adminSchemas, { id: 'Change' });

export const auditEntrySchema = z
  .object({
    version: z.number().int(),
    at: z.string().nullable(),
    actor: z.string().nullable(),
    action: z.string(),
    target: z.string(),
    reason: z.string().nullable(),
    origin: z.string(),
    summary: z.string(),
  })
  .register(adminSchemas, { id: 'AuditEntry' });

export const limitStatusSchema = z
  .object({
    scope: z.string(),
    kind: z.enum(['budget', 'rateLimit']),
    type: z.enum(['cost', 'tokens', 'requests', 'concurrency']),
    limit: z.number(),
    used: z.number(),
    reserved: z.number(),
    remaining: z.number(),
    unsettled: z.number(),
    resetAt: z.string().nullable(),
  })
  .loose()
  .register(adminSchemas, { id: 'LimitStatus' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .register(adminSchemas, { id: 'Error' });

/** `GET /api/keys`. */
export const keysQuerySchema = z.strictObject({ workspace: z.string().min(1).optional() });

/** `GET /api/limits`: the `gateway.limits.status` query (metadata as `metadata.<field>=value`). */
export const limitsQuerySchema = z.looseObject({
  integration: z.string().min(1).optional(),
  workspace: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  kind: z.enum(['budget', 'rateLimit']).optional(),
});

/** `GET /api/audit`: the `gateway.audit.list` filter. */
export const auditQuerySchema = z.strictObject({
  since: isoTime.optional(),
  until: isoTime.optional(),
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
});
