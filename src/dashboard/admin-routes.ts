import { z } from 'zod';
import type { Gateway } from '../gateway/gateway.js';
import type { ChangeOptions } from '../policy/change-options.js';
import { secret } from '../secrets/secret.js';
import type { Caller } from './admin-identity.js';
import { AdminError, readBody, validate, type AdminAnswer } from './admin-request.js';
import {
  auditEntrySchema,
  callerSchema,
  auditQuerySchema,
  grantBodySchema,
  integrationCreateSchema,
  integrationInfoSchema,
  integrationUpdateSchema,
  keyCreateSchema,
  keyInfoSchema,
  keysQuerySchema,
  keyUpdateSchema,
  keyWithTokenSchema,
  limitStatusSchema,
  limitsQuerySchema,
  rotatedKeySchema,
  rotateSchema,
  versionSchema,
} from './admin-schemas.js';

/** What a route's handler gets: the gateway, the caller, the path's parameters, the query, the body. */
export interface AdminContext {
  gateway: Gateway;
  caller: Caller;
  params: Record<string, string>;
  url: URL;
  request: Request;
  /** The caller as the audit names it, and the `reason` search parameter. */
  change: ChangeOptions;
}

/**
 * One route of the admin API: how it is matched, who may call it, what it takes and answers (the
 * OpenAPI document is built from these), and what it does.
 * - `read`: any authorized caller;
 * - `keys`: an admin, or a manager (the handler checks the key's workspace is one of its own);
 * - `admin`: an admin.
 */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Under `${basePath}/api`, with `{name}` for a path parameter. */
  path: string;
  operationId: string;
  summary: string;
  access: 'read' | 'keys' | 'admin';
  query?: z.ZodType;
  body?: z.ZodType;
  /** The answer's status and schema; the error answers are every route's. */
  ok: { status: number; description: string; schema: z.ZodType; list?: boolean };
  handle(ctx: AdminContext): Promise<AdminAnswer>;
}

/** `{ id, revoked: true }`: what a revocation answers. */
const revokedSchema = z.object({ id: z.string(), revoked: z.literal(true) });

/** A change that takes no body: none, or an empty object. */
const emptyBody = z.strictObject({});

const searchParams = (url: URL) => Object.fromEntries(url.searchParams);

/** A key, for a route that changes it: 404 when unknown, 403 when outside a manager's workspaces. */
async function keyInScope(ctx: AdminContext): Promise<NonNullable<Awaited<ReturnType<Gateway['keys']['get']>>>> {
  const key = await ctx.gateway.keys.get(ctx.params.id!);
  if (!key) throw new AdminError(404, 'key_not_found', `There is no key '${ctx.params.id}'.`);
  requireKeysOf(ctx.caller, key.workspace);
  return key;
}

function requireKeysOf(caller: Caller, workspace: string): void {
  if (!caller.managesKeysOf(workspace)) throw new AdminError(403, 'forbidden', `Your role (${caller.role}) cannot manage the keys of workspace '${workspace}'.`);
}

/** Secret references of a JSON body (`{ env }`, `{ resolver, name }`) as the gateway's secrets; plain values as they are. */
function withSecrets(fields: Record<string, unknown> | null | undefined): Record<string, unknown> | null | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value && typeof value === 'object' && 'env' in value) out[name] = secret.env((value as { env: string }).env);
    else if (value && typeof value === 'object' && 'resolver' in value) {
      const reference = value as { resolver: string; name: string };
      out[name] = secret.ref(reference.resolver, reference.name);
    }
    else out[name] = value;
  }
  return out;
}

/** An integration's fields from JSON: its credentials and headers as secrets. */
function integrationFields(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  for (const name of ['credentials', 'headers'] as const) if (name in body) out[name] = withSecrets(body[name] as Record<string, unknown> | null);
  return out;
}

/** The `limits.status` query of `/api/limits`: its fields, and `metadata.<field>=value` pairs. */
function statusQuery(query: Record<string, unknown>): Parameters<Gateway['limits']['status']>[0] {
  const out: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (name.startsWith('metadata.')) metadata[name.slice('metadata.'.length)] = String(value);
    else if (['integration', 'workspace', 'key', 'user', 'kind'].includes(name)) out[name] = value;
    else throw new AdminError(400, 'invalid_request', `Unknown query parameter '${name}'.`, [{ path: name, message: 'is not a limits query parameter' }]);
  }
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out as Parameters<Gateway['limits']['status']>[0];
}

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/me',
    operationId: 'getCaller',
    summary: 'Who the request is made by, and its role: what the console offers.',
    access: 'read',
    ok: { status: 200, description: 'The caller.', schema: callerSchema },
    async handle(ctx) {
      return { status: 200, body: { actor: ctx.caller.actor, role: ctx.caller.role, workspaces: [...ctx.caller.workspaces] } };
    },
  },
  {
    method: 'GET',
    path: '/keys',
    operationId: 'listKeys',
    summary: 'Every key (of one workspace), configured and made at runtime: never a token or hash.',
    access: 'read',
    query: keysQuerySchema,
    ok: { status: 200, description: 'The keys.', schema: keyInfoSchema, list: true },
    async handle(ctx) {
      const query = validate(keysQuerySchema, searchParams(ctx.url), 'query');
      return { status: 200, body: await ctx.gateway.keys.list(query.workspace === undefined ? {} : { workspace: query.workspace }) };
    },
  },
  {
    method: 'POST',
    path: '/keys',
    operationId: 'createKey',
    summary: "Makes a key; its token is in this answer only. A manager makes keys of its workspaces only.",
    access: 'keys',
    body: keyCreateSchema,
    ok: { status: 201, description: 'The key, and its token (shown once).', schema: keyWithTokenSchema },
    async handle(ctx) {
      const body = await readBody(ctx.request, keyCreateSchema);
      requireKeysOf(ctx.caller, body.workspace);
      const { id, token } = await ctx.gateway.keys.create(body, ctx.change);
      return { status: 201, body: { key: await ctx.gateway.keys.get(id), token } };
    },
  },
  {
    method: 'GET',
    path: '/keys/{id}',
    operationId: 'getKey',
    summary: 'One key.',
    access: 'read',
    ok: { status: 200, description: 'The key.', schema: keyInfoSchema },
    async handle(ctx) {
      const key = await ctx.gateway.keys.get(ctx.params.id!);
      if (!key) throw new AdminError(404, 'key_not_found', `There is no key '${ctx.params.id}'.`);
      return { status: 200, body: key };
    },
  },
  {
    method: 'PATCH',
    path: '/keys/{id}',
    operationId: 'updateKey',
    summary: "Changes a key's name, models, limits, metadata or expiry (a changed budget starts at zero).",
    access: 'keys',
    body: keyUpdateSchema,
    ok: { status: 200, description: 'The key as it now is.', schema: keyInfoSchema },
    async handle(ctx) {
      await keyInScope(ctx);
      const body = await readBody(ctx.request, keyUpdateSchema);
      return { status: 200, body: await ctx.gateway.keys.update(ctx.params.id!, body, ctx.change) };
    },
  },
  {
    method: 'DELETE',
    path: '/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revokes a key: refused by every gateway on the store from the moment this answers.',
    access: 'keys',
    ok: { status: 200, description: 'The key was revoked.', schema: revokedSchema },
    async handle(ctx) {
      await keyInScope(ctx);
      await ctx.gateway.keys.revoke(ctx.params.id!, ctx.change);
      return { status: 200, body: { id: ctx.params.id, revoked: true } };
    },
  },
  {
    method: 'POST',
    path: '/keys/{id}/rotate',
    operationId: 'rotateKey',
    summary: 'A new token for the key, in this answer only; the previous one works for `graceSeconds` (default: it stops at once).',
    access: 'keys',
    body: rotateSchema,
    ok: { status: 200, description: 'The key, its new token and until when the previous one works.', schema: rotatedKeySchema },
    async handle(ctx) {
      await keyInScope(ctx);
      const body = await readBody(ctx.request, rotateSchema);
      const { token, previousValidUntil } = await ctx.gateway.keys.rotate(ctx.params.id!, { ...ctx.change, graceMs: (body.graceSeconds ?? 0) * 1_000 });
      return { status: 200, body: { key: await ctx.gateway.keys.get(ctx.params.id!), token, previousValidUntil } };
    },
  },
  {
    method: 'GET',
    path: '/integrations',
    operationId: 'listIntegrations',
    summary: 'Every integration, its secrets by reference only.',
    access: 'read',
    ok: { status: 200, description: 'The integrations.', schema: integrationInfoSchema, list: true },
    async handle(ctx) {
      return { status: 200, body: await ctx.gateway.integrations.list() };
    },
  },
  {
    method: 'POST',
    path: '/integrations',
    operationId: 'createIntegration',
    summary: 'Adds an integration, validated like the startup config; every gateway on the store applies it.',
    access: 'admin',
    body: integrationCreateSchema,
    ok: { status: 201, description: 'The integration.', schema: integrationInfoSchema },
    async handle(ctx) {
      const body = await readBody(ctx.request, integrationCreateSchema);
      return { status: 201, body: await ctx.gateway.integrations.create(integrationFields(body) as never, ctx.change) };
    },
  },
  {
    method: 'GET',
    path: '/integrations/{slug}',
    operationId: 'getIntegration',
    summary: 'One integration.',
    access: 'read',
    ok: { status: 200, description: 'The integration.', schema: integrationInfoSchema },
    async handle(ctx) {
      const found = await ctx.gateway.integrations.get(ctx.params.slug!);
      if (!found) throw new AdminError(404, 'integration_not_found', `Integration '${ctx.params.slug}' does not exist.`);
      return { status: 200, body: found };
    },
  },
  {
    method: 'PATCH',
    path: '/integrations/{slug}',
    operationId: 'updateIntegration',
    summary: 'Changes fields of an integration (not its slug or provider); null removes an optional one.',
    access: 'admin',
    body: integrationUpdateSchema,
    ok: { status: 200, description: 'The integration as it now is.', schema: integrationInfoSchema },
    async handle(ctx) {
      const body = await readBody(ctx.request, integrationUpdateSchema);
      return { status: 200, body: await ctx.gateway.integrations.update(ctx.params.slug!, integrationFields(body), ctx.change) };
    },
  },
  ...(['disable', 'enable'] as const).map(
    (action): AdminRoute => ({
      method: 'POST',
      path: `/integrations/{slug}/${action}`,
      operationId: `${action}Integration`,
      summary: action === 'disable' ? 'Refuses every call to the integration, on every gateway, from the moment this answers.' : 'Serves the integration again, with its grants.',
      access: 'admin',
      ok: { status: 200, description: 'The change was applied.', schema: versionSchema },
      async handle(ctx) {
        await readBody(ctx.request, emptyBody);
        return { status: 200, body: await ctx.gateway.integrations[action](ctx.params.slug!, ctx.change) };
      },
    }),
  ),
  {
    method: 'PUT',
    path: '/integrations/{slug}/workspaces/{workspace}',
    operationId: 'provisionWorkspace',
    summary: "Gives a workspace (or `*`, every workspace) access to the integration with this grant, replacing the one it had.",
    access: 'admin',
    body: grantBodySchema,
    ok: { status: 200, description: 'The change was applied.', schema: versionSchema },
    async handle(ctx) {
      const grant = await readBody(ctx.request, grantBodySchema);
      const input = { integration: ctx.params.slug!, workspace: ctx.params.workspace!, ...grant } as Parameters<Gateway['provisioning']['provision']>[0];
      return { status: 200, body: await ctx.gateway.provisioning.provision(input, ctx.change) };
    },
  },
  {
    method: 'DELETE',
    path: '/integrations/{slug}/workspaces/{workspace}',
    operationId: 'revokeWorkspace',
    summary: "Takes the integration away from a workspace: its calls (and its keys') are refused by every gateway from the moment this answers.",
    access: 'admin',
    ok: { status: 200, description: 'The change was applied.', schema: versionSchema },
    async handle(ctx) {
      await readBody(ctx.request, emptyBody);
      return { status: 200, body: await ctx.gateway.provisioning.revoke({ integration: ctx.params.slug!, workspace: ctx.params.workspace! }, ctx.change) };
    },
  },
  {
    method: 'GET',
    path: '/limits',
    operationId: 'limitStatus',
    summary: 'Every budget and rate limit of a key, a workspace, an integration or a grant, with its usage (`gateway.limits.status`).',
    access: 'read',
    query: limitsQuerySchema,
    ok: { status: 200, description: 'The limits.', schema: limitStatusSchema, list: true },
    async handle(ctx) {
      const query = validate(limitsQuerySchema, searchParams(ctx.url), 'query');
      return { status: 200, body: await ctx.gateway.limits.status(statusQuery(query)) };
    },
  },
  {
    method: 'GET',
    path: '/audit',
    operationId: 'listAudit',
    summary: 'The audit of policy changes, newest first (`gateway.audit.list`).',
    access: 'read',
    query: auditQuerySchema,
    ok: { status: 200, description: 'The entries.', schema: auditEntrySchema, list: true },
    async handle(ctx) {
      const query = validate(auditQuerySchema, searchParams(ctx.url), 'query');
      return { status: 200, body: await ctx.gateway.audit.list(query) };
    },
  },
];
