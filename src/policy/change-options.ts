import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';

/**
 * Who makes a policy change and why: the optional last argument of every mutation of
 * `gateway.keys`, `gateway.provisioning` and `gateway.integrations`, kept with the change in the
 * policy log and shown by `gateway.audit.list`.
 * @example await gateway.keys.revoke('key_1', { actor: 'alice@example.com', reason: 'left the team' })
 */
export interface ChangeOptions {
  /** Who made the change (an email, a user id, a service name). At most 256 characters. */
  actor?: string;
  /** Why, in the admin's words. At most 1,000 characters. */
  reason?: string;
}

/** A tollgate token (`generateKey`): never kept in the log, even when pasted into a reason. */
const TOKEN = /tg_[A-Za-z0-9_-]{8,}/g;

const schema = z.strictObject({
  actor: z.string().min(1, 'must not be empty').max(256).optional(),
  reason: z.string().max(1_000).optional(),
});

/** The options checked, with anything shaped like a tollgate token masked: what the log keeps. */
export function parseChangeOptions(options: unknown, what: string): { actor?: string; reason?: string } {
  if (options === undefined) return {};
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), `Invalid ${what} options`);
  const out: { actor?: string; reason?: string } = {};
  if (parsed.data.actor !== undefined) out.actor = parsed.data.actor.replace(TOKEN, 'tg_***');
  if (parsed.data.reason !== undefined) out.reason = parsed.data.reason.replace(TOKEN, 'tg_***');
  return out;
}
