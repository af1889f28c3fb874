import { z } from 'zod';
import type { ConfigIssue } from '../errors/config-error.js';
import { providers } from '../providers/registry.js';
import {
  integrationBaseShape,
  keySchema,
  rootSchema,
  workspaceNameSchema,
  workspacePolicySchema,
} from './config-schema.js';
import { formatPath, toConfigIssues } from '../errors/format-issues.js';
import { compiledOnUse } from '../util/compiled-on-use.js';
import { limitsShape } from './limits-schema.js';
import type { ParsedConfig, ParsedIntegration, ParsedKey, ParsedWorkspacePolicy } from './parsed-config.js';
import { buildIntegrationPolicy, resolveGrant, type IntegrationPolicy } from './policy.js';

export interface ParseOptions {
  /**
   * At startup a key bound to an integration its workspace cannot reach is a mistake in the
   * config. After a runtime revocation it is the intent: the key is refused at request time.
   */
  requireKeyAccess: boolean;
}

const integrationSchemas = new Map<string, z.ZodType>();
function integrationSchema(provider: string): z.ZodType {
  let schema = integrationSchemas.get(provider);
  if (!schema) {
    const definition = providers.get(provider)!;
    schema = z.strictObject({ ...integrationBaseShape, provider: z.literal(provider), ...definition.fields });
    integrationSchemas.set(provider, schema);
  }
  return schema;
}

/**
 * Validates a whole configuration and returns it with defaults applied, or every problem found.
 * Integrations and keys are parsed one by one so that a mistake in one does not hide the others,
 * then checked against each other (duplicates, grants and keys that would widen access).
 */
export function parseConfig(input: unknown, options: ParseOptions): { config: ParsedConfig } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const root = rootSchema.safeParse(input);
  if (!root.success) {
    issues.push(...toConfigIssues(root.error));
    if (typeof input !== 'object' || input === null) return { issues };
  }
  const raw = (input ?? {}) as Record<string, unknown>;

  const integrations: ParsedIntegration[] = [];
  const rawIntegrations = Array.isArray(raw.integrations) ? raw.integrations : [];
  rawIntegrations.forEach((entry, i) => {
    const at = ['integrations', i];
    const provider = (entry as { provider?: unknown } | null)?.provider;
    if (typeof provider !== 'string' || !providers.has(provider)) {
      const available = [...providers.keys()].join(', ');
      const message = typeof provider !== 'string' ? `provider is required (one of: ${available})` : `unknown provider '${provider}' (available: ${available})`;
      issues.push({ path: formatPath([...at, 'provider']), message });
      return;
    }
    const parsed = integrationSchema(provider).safeParse(entry);
    if (!parsed.success) {
      issues.push(...toConfigIssues(parsed.error, at));
      return;
    }
    const integration = parsed.data as ParsedIntegration;
    const problems = providers.get(provider)!.validate?.(integration) ?? [];
    for (const p of problems) issues.push({ path: formatPath([...at, ...p.path]), message: p.message });
    if (problems.length === 0) integrations.push(integration);
  });

  const workspaces: Record<string, ParsedWorkspacePolicy> = {};
  const rawWorkspaces = raw.workspaces && typeof raw.workspaces === 'object' ? (raw.workspaces as Record<string, unknown>) : {};
  for (const [name, policy] of Object.entries(rawWorkspaces)) {
    const at = ['workspaces', name];
    if (name !== '*' && !workspaceNameSchema.safeParse(name).success) {
      issues.push({ path: formatPath(at), message: `'${name}' is not a valid workspace name` });
    }
    const parsed = workspacePolicySchema.safeParse(policy);
    if (!parsed.success) issues.push(...toConfigIssues(parsed.error, at));
    else workspaces[name] = parsed.data;
  }

  const keys: Array<{ index: number; key: ParsedKey }> = [];
  const rawKeys = Array.isArray(raw.keys) ? raw.keys : [];
  const parseKey = keyParser();
  rawKeys.forEach((entry, index) => {
    const parsed = parseKey(entry, index);
    if ('issues' in parsed) issues.push(...parsed.issues);
    else keys.push({ index, key: parsed.key });
  });

  issues.push(...crossCheck(integrations, rawIntegrations, keys, options));
  if (issues.length > 0 || !root.success) return { issues };
  return { config: { ...root.data, integrations, keys: keys.map((k) => k.key), workspaces } };
}

const LIMIT_FIELDS = ['budgets', 'rateLimits', 'each'] as const;
/** keySchema with its limits taken as they are: they are parsed by keyParser, once per distinct array. */
const keyOwnParser = compiledOnUse(keySchema.extend({ budgets: z.unknown().optional(), rateLimits: z.unknown().optional(), each: z.unknown().optional() }));
/** Each limits field alone, as keySchema parses it (its default applies within an object). */
const limitFieldSchemas = LIMIT_FIELDS.map((field) => z.object({ [field]: limitsShape[field] }));

/**
 * Parses the keys of one config with keySchema, a key's limits (`budgets`, `rateLimits`,
 * `each`) once per distinct input array: a config made by code gives 100,000 keys the same
 * arrays, which are then parsed once (not 100,000 times) and their parsed form shared (it is
 * never changed). Issues have the same paths as keySchema's.
 */
function keyParser(): (entry: unknown, index: number) => { key: ParsedKey } | { issues: ConfigIssue[] } {
  const parsedLimits = LIMIT_FIELDS.map(() => new Map<unknown, { success: true; data: unknown } | { success: false; error: z.ZodError }>());
  // Model lists by content: keys naming the same models share one array (never changed).
  const modelLists = new Map<string, string[]>();
  const sharedList = (models: string[]): string[] => {
    const id = models.join('\n');
    let list = modelLists.get(id);
    if (!list) modelLists.set(id, (list = models.slice()));
    return list;
  };
  return (entry, index) => {
    const own = keyOwnParser.safeParse(entry);
    const issues = own.success ? [] : toConfigIssues(own.error, ['keys', index]);
    const limits: Record<string, unknown> = {};
    LIMIT_FIELDS.forEach((field, i) => {
      const value = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined;
      // Arrays by identity (and `undefined`, the default); anything else is parsed each time.
      const cacheable = value === undefined || Array.isArray(value);
      let result = cacheable ? parsedLimits[i]!.get(value) : undefined;
      if (!result) {
        const parsed = limitFieldSchemas[i]!.safeParse({ [field]: value });
        result = parsed.success ? { success: true, data: (parsed.data as Record<string, unknown>)[field] } : { success: false, error: parsed.error };
        if (cacheable) parsedLimits[i]!.set(value, result);
      }
      if (result.success) limits[field] = result.data;
      else issues.push(...toConfigIssues(result.error, ['keys', index]));
    });
    if (issues.length > 0 || !own.success) return { issues };
    const key = { ...own.data, ...limits } as ParsedKey;
    if (key.models) key.models = sharedList(key.models);
    return { key };
  };
}

function crossCheck(
  integrations: ParsedIntegration[],
  rawIntegrations: unknown[],
  keys: Array<{ index: number; key: ParsedKey }>,
  options: ParseOptions,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const bySlug = new Map<string, IntegrationPolicy>();
  const slugIndex = new Map<string, number>();

  rawIntegrations.forEach((entry, i) => {
    const slug = (entry as { slug?: unknown } | null)?.slug;
    if (typeof slug !== 'string') return;
    const first = slugIndex.get(slug);
    if (first !== undefined) issues.push({ path: `integrations[${i}].slug`, message: `duplicate slug '${slug}' (also integrations[${first}])` });
    else slugIndex.set(slug, i);
  });

  for (const integration of integrations) {
    const i = slugIndex.get(integration.slug)!;
    const policy = buildIntegrationPolicy(integration);
    if (!bySlug.has(integration.slug)) bySlug.set(integration.slug, policy);
    const at = (...path: PropertyKey[]) => formatPath(['integrations', i, ...path]);

    const seen = new Set<string>();
    integration.customModels.forEach((m, j) => {
      if (seen.has(m.id)) issues.push({ path: at('customModels', j, 'id'), message: `duplicate custom model '${m.id}'` });
      seen.add(m.id);
    });

    const allowed = policy.models;
    if (integration.workspaces === 'all') continue;
    for (const [workspace, grant] of Object.entries(integration.workspaces)) {
      if (workspace !== '*' && !workspaceNameSchema.safeParse(workspace).success) {
        issues.push({ path: at('workspaces', workspace), message: `'${workspace}' is not a valid workspace name (or '*' for every workspace)` });
      }
      if (grant === false || !grant.models) continue;
      const star = workspace === '*' ? null : policy.everyone?.models;
      grant.models.forEach((model, j) => {
        if (allowed && !allowed.has(model)) {
          issues.push({
            path: at('workspaces', workspace, 'models', j),
            message: `model '${model}' is not allowed by integration '${integration.slug}' (a grant can only narrow the integration's models)`,
          });
        } else if (star && !star.has(model)) {
          issues.push({
            path: at('workspaces', workspace, 'models', j),
            message: `model '${model}' is not in the '*' grant of integration '${integration.slug}', which applies to every workspace (a named grant can only narrow it)`,
          });
        }
      });
    }
  }

  const keyIndex = new Map<string, number>();
  const hashIndex = new Map<string, number>();
  for (const { index: k, key } of keys) {
    const at = (...path: PropertyKey[]) => formatPath(['keys', k, ...path]);
    const first = keyIndex.get(key.id);
    if (first !== undefined) issues.push({ path: at('id'), message: `duplicate key id '${key.id}' (also keys[${first}])` });
    else keyIndex.set(key.id, k);
    if (key.hash !== undefined) {
      // One token, one key: a shared hash would make the key a token opens depend on config order.
      const other = hashIndex.get(key.hash);
      if (other !== undefined) issues.push({ path: at('hash'), message: `the same hash as keys[${other}]: each key needs its own token (generateKey())` });
      else hashIndex.set(key.hash, k);
    }

    if (!bySlug.has(key.integration) && slugIndex.has(key.integration)) continue; // reported with the integration
    issues.push(...keyAccessIssues(key, bySlug.get(key.integration), options, at));
  }
  return issues;
}

/**
 * What is wrong with a key against its integration: an unknown integration, a workspace the
 * integration is not provisioned to (with `requireKeyAccess`), models beyond its grant (a key
 * can only narrow). Also what a runtime key change is checked with, key by key.
 */
export function keyAccessIssues(
  key: ParsedKey,
  integration: IntegrationPolicy | undefined,
  options: ParseOptions,
  at: (...path: PropertyKey[]) => string,
): ConfigIssue[] {
  if (!integration) return [{ path: at('integration'), message: `unknown integration '${key.integration}'` }];
  const grant = resolveGrant(integration, key.workspace);
  if (grant === null) {
    if (!options.requireKeyAccess) return [];
    return [{ path: at('integration'), message: `integration '${key.integration}' is not provisioned to the key's workspace '${key.workspace}'` }];
  }
  if (!key.models) return [];
  const issues: ConfigIssue[] = [];
  const integrationAllowed = integration.models;
  key.models.forEach((model, j) => {
    const byIntegration = !integrationAllowed || integrationAllowed.has(model);
    const byGrant = !grant.models || grant.models.has(model);
    if (!byIntegration || !byGrant) {
      issues.push({
        path: at('models', j),
        message: `model '${model}' is not allowed by ${byIntegration ? `the grant of '${key.integration}' to '${key.workspace}'` : `integration '${key.integration}'`} (a key can only narrow)`,
      });
    }
  });
  return issues;
}
