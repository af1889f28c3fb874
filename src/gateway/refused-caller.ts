import type { Policy } from '../config/policy.js';

/** Who a call was made as, as far as known: every field may be unknown. */
export interface CallerNamed {
  workspace: string | null;
  integration: string | null;
  provider: string | null;
  key: string | null;
}

/**
 * Where a call refused before it reached a target (an invalid body, an unknown model, a revoked
 * key) is counted: the key it named, with that key's workspace and integration, or else the
 * workspace it named and the integration of its `@slug/` model, so that analytics and sinks can
 * say whose requests are refused. Names the policy does not know are taken as the caller gave them.
 */
export function refusedCaller(policy: Policy, input: unknown): CallerNamed | null {
  if (typeof input !== 'object' || input === null) return null;
  const { key, workspace, model } = input as { key?: unknown; workspace?: unknown; model?: unknown };
  const known = typeof key === 'string' ? policy.keys.get(key) : undefined;
  if (known) return { key: known.id, workspace: known.workspace, integration: known.integration, provider: policy.integrations.get(known.integration)?.provider ?? null };
  const slash = typeof model === 'string' && model.startsWith('@') ? model.indexOf('/') : -1;
  const slug = slash > 1 ? (model as string).slice(1, slash) : null;
  const named: CallerNamed = {
    key: typeof key === 'string' && key.length <= MAX_NAME ? key : null,
    workspace: typeof workspace === 'string' && workspace.length <= MAX_NAME ? workspace : null,
    integration: slug !== null && policy.integrations.has(slug) ? slug : null,
    provider: slug !== null ? (policy.integrations.get(slug)?.provider ?? null) : null,
  };
  return named.key === null && named.workspace === null && named.integration === null ? null : named;
}

/** A name longer than this is not one (a body that puts anything in `key`): it is not recorded. */
const MAX_NAME = 200;
