import { toConfigIssues } from '../errors/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { chatRequestSchema } from './chat-request-schema.js';
import { checkAccess } from './check-access.js';
import { assertNesting } from './request-depth.js';
import type { Target } from './resolve-target.js';
import type { CallAttributes } from '../limits/limit-plan.js';
import type { Usage } from '../usage/usage.js';
import type { GatewayState } from './gateway-state.js';
import type { GatewayInfo, GatewayStream, TargetInfo } from './types.js';
import { publicUsage, type CallRecord } from './usage-record.js';

/** A chat-shaped request validated, and recorded on its call (its usage event's body and metadata). */
export function parseChatCall(input: unknown, record: CallRecord) {
  assertNesting(input);
  const parsed = chatRequestSchema.safeParse(input);
  if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
  const data = parsed.data;
  record.body = data;
  if (data.metadata) record.metadata = data.metadata;
  return data;
}

/** A call enters its target: recorded where it is counted, then its provisioning checked. */
export function enterTarget(target: Target, record: CallRecord): TargetInfo {
  const info = describeTarget(target);
  record.target = info;
  checkAccess(target);
  return info;
}

/** Where a call is counted: integration, provider, workspace, key, model. */
export function describeTarget(target: Target): TargetInfo {
  return {
    integration: target.integration.slug,
    provider: target.integration.provider,
    workspace: target.workspace,
    key: target.key?.id ?? null,
    model: target.model,
  };
}

/** Where a call went, as results show it (`res.gateway`, `stream.gateway`). */
export function describeCall(info: TargetInfo, requestId: string, providerRequestId: string | null): GatewayStream['gateway'] {
  return {
    integration: info.integration,
    provider: info.provider,
    workspace: info.workspace,
    key: info.key,
    model: info.model,
    requestId,
    providerRequestId,
  };
}

/** What a whole (not streamed) answer carries as `gateway`, for a call with one target. */
export function answerInfo(info: TargetInfo, record: CallRecord, providerRequestId: string | null, usage: Usage, cost: number | null): GatewayInfo {
  return {
    ...describeCall(info, record.requestId, providerRequestId),
    usage: publicUsage(usage),
    cost,
    retries: record.retries,
    fallbackIndex: 0,
    latencyMs: Math.round((performance.now() - record.t0) * 1000) / 1000,
  };
}

/**
 * What templated scopes key a call by: its `user` and `metadata`, and its tier, asked of the
 * gateway's `tier` at most once per call (only when a template of the call has tiers).
 */
export function callAttributes(state: GatewayState, target: Target, request: { user?: unknown }, metadata: Readonly<Record<string, string>>): CallAttributes {
  const user = typeof request.user === 'string' ? request.user : null;
  const tierOf = state.tier;
  let tier: string | null | undefined;
  return {
    user,
    metadata,
    tier: () => {
      if (tier === undefined) {
        const named = tierOf?.({ workspace: target.workspace, integration: target.integration.slug, key: target.key?.id ?? null, model: target.model, user, metadata });
        tier = typeof named === 'string' ? named : null;
      }
      return tier;
    },
  };
}
