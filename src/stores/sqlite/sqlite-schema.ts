/**
 * The SQLite store's tables, created if missing (`prefix` is checked to be an identifier).
 * - counters: `used` (settled) and `reserved` per counter key, in the counter's unit; `unsettled`,
 *   the part of `used` charged by reservations that expired unsettled; `alerted` and `announced`
 *   are the one-time announcements; `expires_at` when the row may go (null: never).
 * - reservations: each admitted call's counter keys (JSON) and amounts (comma-separated; negative:
 *   a concurrency slot, given back on expiry rather than charged), and the call's note; state 0
 *   live, 1 charged on expiry but not settled yet (kept a day, so that a late settlement replaces
 *   the charge by its usage, once; its note is taken, once, by takeUnsettled).
 * - budgets: when each budget of each origin was set.
 * - policy_log and revoked: the runtime policy changes, versions 1, 2, 3... and the revoked scopes.
 * - analytics (one row per bucket, dimensions and metric) and the ids of batches applied.
 * - ranks: per index (a templated scope's limit and period), each member's share of its limit at
 *   its last settlement (see CounterSpec.rank).
 */
export function sqliteSchema(p: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${p}_counters (
  key TEXT PRIMARY KEY,
  used INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER,
  alerted INTEGER NOT NULL DEFAULT 0,
  announced INTEGER NOT NULL DEFAULT 0,
  unsettled INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${p}_counters_expiry ON ${p}_counters (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${p}_reservations (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  keys TEXT NOT NULL,
  amounts TEXT NOT NULL,
  state INTEGER NOT NULL,
  note TEXT
) WITHOUT ROWID;
DROP INDEX IF EXISTS ${p}_reservations_expiry;
CREATE TABLE IF NOT EXISTS ${p}_budgets (
  origin TEXT NOT NULL,
  id TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  PRIMARY KEY (origin, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_policy_log (
  version INTEGER PRIMARY KEY,
  change TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${p}_revoked (scope TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_analytics (
  level TEXT NOT NULL,
  start INTEGER NOT NULL,
  dims TEXT NOT NULL,
  field TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (level, start, dims, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_analytics_batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_ranks (
  idx TEXT NOT NULL,
  member TEXT NOT NULL,
  share REAL NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (idx, member)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${p}_ranks_share ON ${p}_ranks (idx, share DESC);
`;
}

/** Columns added since the tables were first made: added to a file made by an earlier version. */
export function sqliteColumnsAdded(p: string): Array<{ table: string; column: string; definition: string }> {
  return [
    { table: `${p}_counters`, column: 'unsettled', definition: 'INTEGER NOT NULL DEFAULT 0' },
    { table: `${p}_reservations`, column: 'note', definition: 'TEXT' },
  ];
}
