/**
 * The PostgreSQL store's schema and functions (`postgresStore(...).migrate()` runs it; it is
 * idempotent). Everything lives in one schema, named by the store's `schema` option. Each store
 * call is one statement calling one of these functions: one round trip, one transaction.
 *
 * - counters: settled usage per counter key (`used`), the one-time announcements, and when the
 *   row may go. What is reserved is not a column: it is the sum of the live reservation parts of
 *   the counter (reservation_parts, expiring on their own), so a dead process's reservations stop
 *   counting at their expiry with no sweep, and no sweep takes locks a call could wait on.
 * - reservations: one row per admitted call, until it is settled (kept a day past its expiry, so
 *   a late settlement still records its usage once).
 * - Calls lock their counter rows in key order (`ORDER BY key FOR UPDATE`), so that two calls
 *   sharing counters never deadlock.
 * - ledger: one row per settled call with the usage event's money and token fields, for finance.
 */
export function postgresSchema(schema: string): string {
  const s = `"${schema}"`;
  const channel = `${schema}_policy`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.counters (
  key text PRIMARY KEY,
  used bigint NOT NULL DEFAULT 0,
  expires_at bigint,
  alerted boolean NOT NULL DEFAULT false,
  announced boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS ${s}.reservations (id text PRIMARY KEY, expires_at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.reservation_parts (
  reservation_id text NOT NULL,
  n int NOT NULL,
  key text NOT NULL,
  amount bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (reservation_id, n)
);
CREATE INDEX IF NOT EXISTS reservation_parts_key ON ${s}.reservation_parts (key, expires_at);
CREATE TABLE IF NOT EXISTS ${s}.budgets (origin text NOT NULL, id text NOT NULL, set_at bigint NOT NULL, PRIMARY KEY (origin, id));
CREATE TABLE IF NOT EXISTS ${s}.policy_log (version bigint PRIMARY KEY, change text NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.revoked (scope text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ${s}.analytics (
  level text NOT NULL, start bigint NOT NULL, dims text NOT NULL, field text NOT NULL, value bigint NOT NULL,
  PRIMARY KEY (level, start, dims, field)
);
CREATE TABLE IF NOT EXISTS ${s}.analytics_batches (id text PRIMARY KEY, at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.ledger (
  request_id text PRIMARY KEY,
  settled_at timestamptz NOT NULL,
  workspace text, integration text, provider text, model text, key text, "user" text,
  status text,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cache_read_tokens bigint NOT NULL DEFAULT 0,
  cache_write_tokens bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  cost_micros bigint
);
CREATE INDEX IF NOT EXISTS ledger_settled_at ON ${s}.ledger (settled_at);

-- Live reserved amount of a counter at p_now.
CREATE OR REPLACE FUNCTION ${s}.reserved(p_key text, p_now bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(amount), 0)::bigint FROM ${s}.reservation_parts WHERE key = p_key AND expires_at > p_now
$$;

-- Locks the counters in key order, creating those missing first (then locked in the same order).
CREATE OR REPLACE FUNCTION ${s}.lock_counters(p_keys text[], p_expires bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_locked int;
BEGIN
  PERFORM 1 FROM ${s}.counters WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE;
  GET DIAGNOSTICS v_locked = ROW_COUNT;
  IF v_locked = (SELECT count(DISTINCT k) FROM unnest(p_keys) AS k) THEN RETURN; END IF;
  INSERT INTO ${s}.counters (key, expires_at)
    SELECT k, nullif(e, -1) FROM unnest(p_keys, p_expires) AS t(k, e) ORDER BY k ON CONFLICT (key) DO NOTHING;
  PERFORM 1 FROM ${s}.counters WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE;
END $$;

-- {1}: admitted (reserved on every counter); {0, index, used, reserved, first}; {2, guard index}: revoked.
CREATE OR REPLACE FUNCTION ${s}.admit(p_id text, p_now bigint, p_ttl bigint, p_keys text[], p_limits bigint[], p_amounts bigint[],
  p_expires bigint[], p_announce boolean[], p_guards text[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF cardinality(p_guards) > 0 THEN
    SELECT g.i INTO r FROM unnest(p_guards) WITH ORDINALITY AS g(scope, i) JOIN ${s}.revoked v ON v.scope = g.scope ORDER BY g.i LIMIT 1;
    IF FOUND THEN RETURN ARRAY[2, r.i - 1]; END IF;
  END IF;
  IF cardinality(p_keys) = 0 THEN RETURN ARRAY[1]; END IF;
  PERFORM ${s}.lock_counters(p_keys, p_expires);
  -- The first counter without room, if any, with what it holds.
  SELECT t.i, c.used, c.announced, l.res, t.lim, t.ann INTO r
  FROM unnest(p_keys, p_limits, p_amounts, p_announce) WITH ORDINALITY AS t(k, lim, amt, ann, i)
  JOIN ${s}.counters c ON c.key = t.k
  CROSS JOIN LATERAL (SELECT coalesce(sum(p.amount), 0)::bigint AS res FROM ${s}.reservation_parts p WHERE p.key = t.k AND p.expires_at > p_now) l
  WHERE c.used + l.res + t.amt > t.lim
  ORDER BY t.i LIMIT 1;
  IF FOUND THEN
    IF (CASE WHEN r.ann THEN r.used >= r.lim ELSE r.used + r.res >= r.lim END) AND NOT r.announced THEN
      UPDATE ${s}.counters SET announced = true WHERE key = p_keys[r.i];
      RETURN ARRAY[0, r.i - 1, r.used, r.res, 1];
    END IF;
    RETURN ARRAY[0, r.i - 1, r.used, r.res, 0];
  END IF;
  INSERT INTO ${s}.reservations (id, expires_at) VALUES (p_id, p_now + p_ttl);
  INSERT INTO ${s}.reservation_parts (reservation_id, n, key, amount, expires_at)
    SELECT p_id, t.n, t.k, t.a, p_now + p_ttl FROM unnest(p_keys, p_amounts) WITH ORDINALITY AS t(k, a, n);
  RETURN ARRAY[1];
END $$;

-- Per counter: {used, reserved, alerted (0/1), exhausted (0/1)}. p_alert -1: none.
CREATE OR REPLACE FUNCTION ${s}.settle(p_id text, p_reserved boolean, p_now bigint, p_keys text[], p_actual bigint[], p_limits bigint[],
  p_alert bigint[], p_announce boolean[], p_expires bigint[], p_entry jsonb) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  v_out bigint[];
  record_usage boolean := true;
BEGIN
  IF p_reserved THEN
    DELETE FROM ${s}.reservations WHERE id = p_id;
    -- Settled already (a retry after a timeout that did apply): nothing changes.
    IF NOT FOUND THEN record_usage := false; END IF;
    DELETE FROM ${s}.reservation_parts WHERE reservation_id = p_id;
  END IF;
  IF cardinality(p_keys) > 0 THEN
    PERFORM ${s}.lock_counters(p_keys, p_expires);
    IF record_usage THEN
      -- Usage added; the flags returned are those from before (this update does not set them).
      WITH u AS (
        UPDATE ${s}.counters c SET used = c.used + t.act
        FROM (SELECT k, sum(a)::bigint AS act FROM unnest(p_keys, p_actual) AS x(k, a) GROUP BY k) t
        WHERE c.key = t.k
        RETURNING c.key, c.used, c.alerted, c.announced
      )
      SELECT array_agg(ARRAY[u.used, l.res, (t.alert >= 0 AND NOT u.alerted AND u.used >= t.alert)::int,
          (t.ann AND NOT u.announced AND u.used >= t.lim)::int] ORDER BY t.i) INTO v_out
      FROM unnest(p_keys, p_limits, p_alert, p_announce) WITH ORDINALITY AS t(k, lim, alert, ann, i)
      JOIN u ON u.key = t.k
      CROSS JOIN LATERAL (SELECT coalesce(sum(p.amount), 0)::bigint AS res FROM ${s}.reservation_parts p WHERE p.key = t.k AND p.expires_at > p_now) l;
      -- Crossings are rare: the one-time flags are set only then.
      UPDATE ${s}.counters c SET alerted = c.alerted OR f.al, announced = c.announced OR f.ex
      FROM (SELECT p_keys[i] AS k, bool_or(v_out[i][3] = 1) AS al, bool_or(v_out[i][4] = 1) AS ex
            FROM generate_subscripts(p_keys, 1) AS i GROUP BY 1) f
      WHERE c.key = f.k AND (f.al OR f.ex);
    ELSE
      SELECT array_agg(ARRAY[c.used, l.res, 0, 0] ORDER BY t.i) INTO v_out
      FROM unnest(p_keys) WITH ORDINALITY AS t(k, i)
      JOIN ${s}.counters c ON c.key = t.k
      CROSS JOIN LATERAL (SELECT coalesce(sum(p.amount), 0)::bigint AS res FROM ${s}.reservation_parts p WHERE p.key = t.k AND p.expires_at > p_now) l;
    END IF;
  END IF;
  IF record_usage AND p_entry IS NOT NULL THEN
    INSERT INTO ${s}.ledger (request_id, settled_at, workspace, integration, provider, model, key, "user", status,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros)
    SELECT p_entry->>'requestId', to_timestamp((p_entry->>'at')::bigint / 1000.0), p_entry->>'workspace', p_entry->>'integration',
      p_entry->>'provider', p_entry->>'model', p_entry->>'key', p_entry->>'user', p_entry->>'status',
      (p_entry->>'inputTokens')::bigint, (p_entry->>'outputTokens')::bigint, (p_entry->>'cacheReadTokens')::bigint,
      (p_entry->>'cacheWriteTokens')::bigint, (p_entry->>'reasoningTokens')::bigint, (p_entry->>'costMicros')::bigint
    ON CONFLICT (request_id) DO NOTHING;
  END IF;
  RETURN coalesce(v_out, '{}');
END $$;

CREATE OR REPLACE FUNCTION ${s}.read(p_keys text[], p_now bigint) RETURNS bigint[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(x.v ORDER BY t.n, x.m), '{}')
  FROM unnest(p_keys) WITH ORDINALITY AS t(k, n)
  CROSS JOIN LATERAL (VALUES (1, coalesce((SELECT used FROM ${s}.counters WHERE key = t.k), 0)), (2, ${s}.reserved(t.k, p_now))) AS x(m, v)
$$;

-- p_origins: [{ origin, ids: [...] }]. Returns [{ origin, setAt, added, removed, known }].
CREATE OR REPLACE FUNCTION ${s}.register_budgets(p_origins jsonb, p_now bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  o jsonb;
  v_out jsonb := '[]';
  was_known boolean;
  v_added jsonb;
  v_removed jsonb;
BEGIN
  FOR o IN SELECT value FROM jsonb_array_elements(p_origins) LOOP
    PERFORM pg_advisory_xact_lock(hashtext('${schema}.budgets:' || (o->>'origin')));
    was_known := EXISTS (SELECT 1 FROM ${s}.budgets WHERE origin = o->>'origin');
    SELECT coalesce(jsonb_agg(id ORDER BY set_at, id), '[]') INTO v_removed FROM ${s}.budgets
      WHERE origin = o->>'origin' AND NOT (id IN (SELECT jsonb_array_elements_text(o->'ids')));
    DELETE FROM ${s}.budgets WHERE origin = o->>'origin' AND NOT (id IN (SELECT jsonb_array_elements_text(o->'ids')));
    WITH ins AS (
      INSERT INTO ${s}.budgets (origin, id, set_at) SELECT DISTINCT o->>'origin', i, p_now FROM jsonb_array_elements_text(o->'ids') AS i
      ON CONFLICT (origin, id) DO NOTHING RETURNING id
    ) SELECT coalesce(jsonb_agg(id), '[]') INTO v_added FROM ins;
    v_out := v_out || jsonb_build_array(jsonb_build_object(
      'origin', o->>'origin',
      'setAt', (SELECT coalesce(jsonb_object_agg(id, set_at), '{}') FROM ${s}.budgets WHERE origin = o->>'origin'),
      'added', v_added, 'removed', v_removed, 'known', was_known));
  END LOOP;
  RETURN v_out;
END $$;

-- The version of the change; -1 when the database's clock is past p_deadline (the appender gave up).
CREATE OR REPLACE FUNCTION ${s}.append_policy(p_change text, p_deadline bigint, p_revoke text[], p_restore text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
BEGIN
  IF p_deadline > 0 AND (extract(epoch FROM clock_timestamp()) * 1000)::bigint > p_deadline THEN RETURN -1; END IF;
  -- One appender at a time: versions follow with no gap, in commit order.
  PERFORM pg_advisory_xact_lock(hashtext('${schema}.policy_log'));
  INSERT INTO ${s}.revoked (scope) SELECT unnest(p_revoke) ON CONFLICT DO NOTHING;
  DELETE FROM ${s}.revoked WHERE scope = ANY (p_restore);
  SELECT coalesce(max(version), 0) + 1 INTO v FROM ${s}.policy_log;
  INSERT INTO ${s}.policy_log (version, change) VALUES (v, p_change);
  PERFORM pg_notify('${channel}', v::text);
  RETURN v;
END $$;

-- p_rows: [{ level, start, dims, field, value }]. A batch id applies once; rows past retention go.
CREATE OR REPLACE FUNCTION ${s}.record_analytics(p_batch text, p_now bigint, p_keep_batch bigint, p_kept jsonb, p_rows jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ${s}.analytics_batches WHERE at <= p_now - p_keep_batch;
  INSERT INTO ${s}.analytics_batches (id, at) VALUES (p_batch, p_now) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN RETURN false; END IF;
  DELETE FROM ${s}.analytics a USING jsonb_each_text(p_kept) AS k(level, kept) WHERE a.level = k.level AND a.start < k.kept::bigint;
  INSERT INTO ${s}.analytics AS a (level, start, dims, field, value)
    SELECT r.level, r.start, r.dims, r.field, r.value FROM jsonb_to_recordset(p_rows) AS r(level text, start bigint, dims text, field text, value bigint)
    ORDER BY 1, 2, 3, 4
  ON CONFLICT (level, start, dims, field) DO UPDATE SET value = a.value + excluded.value;
  RETURN true;
END $$;

-- Rows no call needs any more: settled-or-dead reservations a day past expiry, idle counters past theirs.
-- Takes only the locks it gets at once (SKIP LOCKED): it never waits for a call.
CREATE OR REPLACE FUNCTION ${s}.cleanup(p_now bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ${s}.reservations WHERE id IN (
    SELECT id FROM ${s}.reservations WHERE expires_at <= p_now - 86400000 LIMIT 1000 FOR UPDATE SKIP LOCKED);
  -- Expired parts count no more anywhere: dropping them changes no sum.
  DELETE FROM ${s}.reservation_parts WHERE (reservation_id, n) IN (
    SELECT reservation_id, n FROM ${s}.reservation_parts WHERE expires_at <= p_now LIMIT 10000 FOR UPDATE SKIP LOCKED);
  DELETE FROM ${s}.counters WHERE key IN (
    SELECT key FROM ${s}.counters c WHERE c.expires_at IS NOT NULL AND c.expires_at <= p_now
      AND NOT EXISTS (SELECT 1 FROM ${s}.reservation_parts p WHERE p.key = c.key AND p.expires_at > p_now)
    LIMIT 1000 FOR UPDATE SKIP LOCKED);
END $$;
`;
}
