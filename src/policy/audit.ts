import { z } from 'zod';
import type { AuditEntry } from '../events/audit-entry.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import type { PolicyLog } from './policy-log.js';

/** What `gateway.audit.list` returns: entries matching every field given. */
export interface AuditFilter {
  /** Changes at or after this time (ISO string or Date). */
  since?: Date | string;
  /** Changes before this time. */
  until?: Date | string;
  /** Changes by this actor (exact). */
  actor?: string;
  /** An action (`key.rotate`), or a family of them (`key`, `integration`, `provisioning`). */
  action?: string;
  /**
   * A target (`key:<id>`, `grant:<slug>/<workspace>`...). `integration:<slug>` also matches the
   * changes to its grants, and `workspace:<name>` the changes to the grants of that workspace.
   */
  target?: string;
  /** At most this many entries, newest first: 1 to 1,000. Default 100. */
  limit?: number;
}

/**
 * How far apart the clocks of the gateways that made changes may be: a change's `at` is its
 * maker's, so a read that starts at `since` goes this much further back before it stops.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

const time = z.union([z.date(), z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2026-12-01T00:00:00Z' })]).transform((t) => (t instanceof Date ? t.getTime() : Date.parse(t)));

const filterSchema = z.strictObject({
  since: time.optional(),
  until: time.optional(),
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});

/** The audit of runtime policy changes: the store's policy log, read newest first. */
export class Audit {
  readonly #log: PolicyLog;

  constructor(log: PolicyLog) {
    this.#log = log;
  }

  /**
   * The policy log's entries that match `filter`, newest first: who changed what, when and why.
   * Every change the log holds is listed (the log is never trimmed: it is the policy every
   * gateway replays), on every store; on SQLite, PostgreSQL and Redis it survives restarts.
   * @example await gateway.audit.list({ target: 'key:key_1', limit: 20 })
   * @throws RequestValidationError for a bad filter
   */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const parsed = filterSchema.safeParse(filter ?? {});
    if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
    const { since, until, actor, action, target } = parsed.data;
    const limit = parsed.data.limit ?? 100;
    const targets = target === undefined ? null : matchTarget(target);
    const keep = (entry: AuditEntry): boolean => {
      if (actor !== undefined && entry.actor !== actor) return false;
      if (action !== undefined && entry.action !== action && !entry.action.startsWith(`${action}.`)) return false;
      if (targets && !targets(entry.target)) return false;
      if (since !== undefined || until !== undefined) {
        const at = entry.at === null ? NaN : Date.parse(entry.at);
        if (Number.isNaN(at) || (since !== undefined && at < since) || (until !== undefined && at >= until)) return false;
      }
      return true;
    };
    const enough = (entry: AuditEntry, kept: number): boolean => {
      if (kept >= limit) return true;
      return since !== undefined && entry.at !== null && Date.parse(entry.at) < since - CLOCK_SKEW_MS;
    };
    return this.#log.audit(keep, enough);
  }
}

/** Whether an entry's target is `target`, or within it (an integration's or a workspace's grants). */
function matchTarget(target: string): (candidate: string) => boolean {
  if (target.startsWith('integration:')) {
    const grants = `grant:${target.slice('integration:'.length)}/`;
    return (candidate) => candidate === target || candidate.startsWith(grants);
  }
  if (target.startsWith('workspace:')) {
    const suffix = `/${target.slice('workspace:'.length)}`;
    return (candidate) => candidate === target || (candidate.startsWith('grant:') && candidate.endsWith(suffix));
  }
  return (candidate) => candidate === target;
}
