/**
 * The SQLite store's tables, created if missing (`prefix` is checked to be an identifier).
 * - counters: `used` (settled) and `reserved` per counter key, in the counter's unit; `alerted`
 *   and `announced` are the one-time announcements; `expires_at` when the row may go (null: never).
 * - reservations: each admitted call's counter keys (JSON) and amounts (comma-separated); state 0
 *   live, 1 released on expiry but not settled yet (kept a day, so its usage is still recorded once).
 * - budgets: when each budget of each origin was set.
 * - policy_log and revoked: the runtime policy changes, versions 1, 2, 3... and the revoked scopes.
 * - analytics (one row per bucket, dimensions and metric) and the ids of batches applied.
 */
export function sqliteSchema(p: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${p}_counters (
  key TEXT PRIMARY KEY,
  used INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER,
  alerted INTEGER NOT NULL DEFAULT 0,
  announced INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${p}_counters_expiry ON ${p}_counters (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${p}_reservations (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  keys TEXT NOT NULL,
  amounts TEXT NOT NULL,
  state INTEGER NOT NULL
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
`;
}
