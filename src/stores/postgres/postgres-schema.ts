import { NOTE } from '../call-note-fields.js';

/**
 * The PostgreSQL store's schema and functions (`postgresStore(...).migrate()` runs it; it is
 * idempotent). Everything lives in one schema, named by the store's `schema` option. Each store
 * request is one statement calling one of these functions: one round trip, one transaction.
 *
 * - counters: settled usage (`used`), the part of it charged by reservations that expired
 *   unsettled (`unsettled`) and what live reservations hold (`reserved`) per counter key, the
 *   one-time announcements, and when the row may go.
 * - reservations: one row per admitted call with its counter keys and amounts (negative: a
 *   concurrency slot, given back on expiry rather than charged) and the call's note; state 0
 *   live, 1 charged on expiry (kept a day, so that a late settlement replaces the charge by its
 *   usage, once), 2 settled (kept 10 minutes past expiry, so a settlement retried after a timeout
 *   that did apply changes nothing). `release_expired` charges those past their expiry, and
 *   writes the ledger row of each (status `unsettled`, its worst case) from its note.
 * - `apply` runs a batch of admissions and settlements (the calls that arrived while the last
 *   batch was on its way) in one transaction: it locks the reservations it settles in id order,
 *   then every counter of the batch in key order, and only then works, so that two batches, or a
 *   batch and `release_expired` (which locks in the same order), never deadlock. A batch of
 *   admissions only commits asynchronously (no WAL flush): see `postgresStore` for why.
 * - ledger: one row per settled call with the usage event's money and token fields, for finance.
 * - ranks: per index (a templated scope's limit and period), each member's share of its limit at
 *   its last settlement (see CounterSpec.rank), for `nearest`.
 * - The functions on a call's path plan with index lookups and nested loops only: a batch touches
 *   a few rows by key, and without statistics (a new table, or autovacuum off) the planner would
 *   otherwise guess a table of a thousand rows and scan it.
 */
export function postgresSchema(schema: string): string {
  const s = `"${schema}"`;
  const channel = `${schema}_policy`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.counters (
  key text PRIMARY KEY,
  used bigint NOT NULL DEFAULT 0,
  reserved bigint NOT NULL DEFAULT 0,
  expires_at bigint,
  alerted boolean NOT NULL DEFAULT false,
  announced boolean NOT NULL DEFAULT false
);
ALTER TABLE ${s}.counters ADD COLUMN IF NOT EXISTS unsettled bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS ${s}.reservations (
  id text PRIMARY KEY,
  expires_at bigint NOT NULL,
  keys text[] NOT NULL,
  amounts bigint[] NOT NULL,
  state smallint NOT NULL DEFAULT 0
);
ALTER TABLE ${s}.reservations ADD COLUMN IF NOT EXISTS note jsonb;
CREATE INDEX IF NOT EXISTS reservations_noted ON ${s}.reservations (expires_at) WHERE state = 1 AND note IS NOT NULL;
CREATE INDEX IF NOT EXISTS reservations_expiry ON ${s}.reservations (state, expires_at);
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
CREATE TABLE IF NOT EXISTS ${s}.ranks (
  idx text NOT NULL, member text NOT NULL, share double precision NOT NULL, expires_at bigint,
  PRIMARY KEY (idx, member)
);
CREATE INDEX IF NOT EXISTS ranks_share ON ${s}.ranks (idx, share DESC);

-- Functions whose arguments change between versions: every earlier signature is dropped, not
-- left beside the new one as an overload (the whole script runs in one transaction: no call
-- finds neither).
DO $drop$ DECLARE f regprocedure; BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = '${schema}' AND p.proname IN ('apply', 'read')
  LOOP EXECUTE 'DROP FUNCTION ' || f; END LOOP;
END $drop$;

-- A batch of admissions (kind 0) and settlements (kind 1), in one transaction. Op i owns
-- p_counts[i] consecutive entries of the counter arrays (p_amounts: reserved at admission,
-- actual at settlement) and p_gcounts[i] of p_guards. p_settled: the reservation ids settled.
-- p_ledger: the ledger rows of the settlements, each naming its op (1-based) in "op".
-- p_distinct[i]: op i names each counter once (as a rule; the statements are simpler then).
-- p_announce: per counter, -1 for a rate limit, else the budget's usage from which a refusal
-- announces its exhaustion (a settlement announces it at the limit itself). p_release: per
-- counter, true for a concurrency slot (given back on expiry). p_notes: per op, the admission's
-- note (JSON text) or null. p_rank_idx, p_rank_member: per counter, the index it is ranked in and
-- its member there (null: not ranked); a settlement places the member by used / limit.
-- Returns the results one after the other. Per admission five numbers: {1, 0, 0, 0, 0} admitted
-- (reserved on every counter), {0, index, used, reserved, first} refused, {2, guard index, 0, 0,
-- 0} revoked. Per settlement four per counter: {used, reserved, alerted, exhausted} (alerted -1:
-- settled before, nothing recorded; p_alert -1: none). Everything is inline: a nested plpgsql
-- call costs more than the work it would do.
CREATE OR REPLACE FUNCTION ${s}.apply(p_now bigint, p_kinds smallint[], p_ids text[], p_ttls bigint[], p_reserved boolean[],
  p_counts int[], p_gcounts int[], p_keys text[], p_limits bigint[], p_amounts bigint[], p_expires bigint[],
  p_announce bigint[], p_alert bigint[], p_guards text[], p_settled text[], p_ledger jsonb, p_distinct boolean[],
  p_release boolean[], p_notes text[], p_rank_idx text[], p_rank_member text[]) RETURNS bigint[] LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  v_also text[] := '{}';
  v_locked text[];
  v_out bigint[] := '{}';
  v_res bigint[];
  o int := 0;
  g int := 0;
  n int;
  m int;
  v_k text[];
  v_amt bigint[];
  v_lim bigint[];
  v_ann bigint[];
  v_alert bigint[];
  v_rel_keys text[];
  v_rel_amounts bigint[];
  v_chg_keys text[];
  v_chg_amounts bigint[];
  record_usage boolean;
  v_recorded int[] := '{}';
  r record;
BEGIN
  -- A batch of admissions only commits asynchronously: see postgresStore for why a lost one is
  -- harmless. A batch with a settlement commits durably (and with it every commit before it).
  IF NOT (1 = ANY (p_kinds)) THEN PERFORM set_config('synchronous_commit', 'off', true); END IF;
  -- The reservations settled, locked first (in id order, as release_expired does), and their keys.
  IF cardinality(p_settled) > 0 THEN
    SELECT coalesce(array_agg(x.k), '{}') INTO v_also
    FROM (SELECT keys, state FROM ${s}.reservations WHERE id = ANY (p_settled) ORDER BY id FOR UPDATE) q
    CROSS JOIN LATERAL unnest(CASE WHEN q.state IN (0, 1) THEN q.keys ELSE '{}' END) AS x(k);
  END IF;
  -- Every counter of the batch, locked in key order; the missing ones created first (those of
  -- p_keys: a reservation's counter that is gone stays gone), then all locked again in order.
  IF cardinality(p_keys) > 0 OR cardinality(v_also) > 0 THEN
    SELECT coalesce(array_agg(q.key), '{}') INTO v_locked FROM (
      SELECT key FROM ${s}.counters WHERE key = ANY (p_keys || v_also) ORDER BY key FOR UPDATE) q;
    IF NOT (p_keys <@ v_locked) THEN
      INSERT INTO ${s}.counters (key, expires_at)
        SELECT DISTINCT ON (t.k) t.k, nullif(t.e, -1) FROM unnest(p_keys, p_expires) AS t(k, e) ORDER BY t.k ON CONFLICT (key) DO NOTHING;
      PERFORM 1 FROM ${s}.counters WHERE key = ANY (p_keys || v_also) ORDER BY key FOR UPDATE;
    END IF;
  END IF;
  FOR i IN 1 .. coalesce(cardinality(p_kinds), 0) LOOP
    n := p_counts[i];
    m := p_gcounts[i];
    v_k := p_keys[o + 1 : o + n];
    v_amt := p_amounts[o + 1 : o + n];
    v_lim := p_limits[o + 1 : o + n];
    v_ann := p_announce[o + 1 : o + n];
    v_alert := p_alert[o + 1 : o + n];
    IF p_kinds[i] = 0 THEN
      v_res := NULL;
      IF m > 0 THEN
        SELECT gi INTO r FROM unnest(p_guards[g + 1 : g + m]) WITH ORDINALITY AS x(scope, gi) JOIN ${s}.revoked v ON v.scope = x.scope ORDER BY gi LIMIT 1;
        IF FOUND THEN v_res := ARRAY[2, r.gi - 1, 0, 0, 0]; END IF;
      END IF;
      IF v_res IS NULL AND n > 0 THEN
        -- The first counter without room, if any, with what it holds.
        SELECT t.i, c.used, c.reserved, c.announced, t.lim, t.ann INTO r
        FROM unnest(v_k, v_lim, v_amt, v_ann) WITH ORDINALITY AS t(k, lim, amt, ann, i)
        JOIN ${s}.counters c ON c.key = t.k
        WHERE c.used + c.reserved + t.amt > t.lim
        ORDER BY t.i LIMIT 1;
        IF FOUND THEN
          IF (CASE WHEN r.ann >= 0 THEN r.used >= r.ann ELSE r.used + r.reserved >= r.lim END) AND NOT r.announced THEN
            UPDATE ${s}.counters SET announced = true WHERE key = v_k[r.i];
            v_res := ARRAY[0, r.i - 1, r.used, r.reserved, 1];
          ELSE
            v_res := ARRAY[0, r.i - 1, r.used, r.reserved, 0];
          END IF;
        END IF;
      END IF;
      IF v_res IS NULL THEN
        IF n > 0 AND p_distinct[i] THEN
          UPDATE ${s}.counters c SET reserved = c.reserved + t.a FROM unnest(v_k, v_amt) AS t(k, a) WHERE c.key = t.k;
        ELSIF n > 0 THEN
          UPDATE ${s}.counters c SET reserved = c.reserved + t.a
            FROM (SELECT x.k, sum(x.a)::bigint AS a FROM unnest(v_k, v_amt) AS x(k, a) GROUP BY x.k) t WHERE c.key = t.k;
        END IF;
        IF n > 0 THEN
          -- A slot given back on expiry is kept negative: the sign tells release_expired not to charge it.
          INSERT INTO ${s}.reservations (id, expires_at, keys, amounts, note) VALUES (p_ids[i], p_now + p_ttls[i], v_k,
            (SELECT array_agg(CASE WHEN t.rl THEN -t.a ELSE t.a END ORDER BY t.j) FROM unnest(v_amt, p_release[o + 1 : o + n]) WITH ORDINALITY AS t(a, rl, j)),
            p_notes[i]::jsonb);
        END IF;
        v_res := ARRAY[1, 0, 0, 0, 0];
      END IF;
      v_out := v_out || v_res;
    ELSE
      record_usage := true;
      v_rel_keys := '{}';
      v_rel_amounts := '{}';
      v_chg_keys := '{}';
      v_chg_amounts := '{}';
      IF p_reserved[i] THEN
        SELECT state, keys, amounts INTO r FROM ${s}.reservations WHERE id = p_ids[i];
        IF NOT FOUND THEN
          -- No row: an admission the database lost in a crash (its commit is asynchronous, see
          -- postgresStore). The usage is recorded, nothing released, and the settlement marked
          -- as for any other, so that a retry does not record it twice.
          INSERT INTO ${s}.reservations (id, expires_at, keys, amounts, state) VALUES (p_ids[i], p_now, '{}', '{}', 2);
        ELSIF r.state = 2 THEN
          -- Settled already (a retry after a timeout that did apply): nothing changes.
          record_usage := false;
        ELSE
          IF r.state = 0 THEN
            v_rel_keys := r.keys;
            SELECT array_agg(abs(a) ORDER BY j) INTO v_rel_amounts FROM unnest(r.amounts) WITH ORDINALITY AS t(a, j);
          ELSE
            -- Charged on expiry (state 1): the charge gives way to the usage recorded below.
            v_chg_keys := r.keys;
            v_chg_amounts := r.amounts;
          END IF;
          UPDATE ${s}.reservations SET state = 2, note = NULL WHERE id = p_ids[i];
        END IF;
      END IF;
      v_res := NULL;
      IF cardinality(v_chg_keys) > 0 THEN
        UPDATE ${s}.counters c SET used = c.used - t.a, unsettled = c.unsettled - t.a
          FROM (SELECT x.k, sum(x.a)::bigint AS a FROM unnest(v_chg_keys, v_chg_amounts) AS x(k, a) WHERE x.a > 0 GROUP BY x.k) t
          WHERE c.key = t.k;
      END IF;
      IF NOT record_usage THEN
        SELECT array_agg(x.v ORDER BY t.i, x.j) INTO v_res
        FROM unnest(v_k) WITH ORDINALITY AS t(k, i) JOIN ${s}.counters c ON c.key = t.k
        CROSS JOIN LATERAL (VALUES (1, c.used), (2, c.reserved), (3, -1), (4, 0)) AS x(j, v);
      ELSIF n > 0 OR cardinality(v_rel_keys) > 0 THEN
        v_recorded := v_recorded || i;
        IF cardinality(v_rel_keys) = 0 THEN
          v_rel_keys := v_k;
          v_rel_amounts := array_fill(0::bigint, ARRAY[n]);
        END IF;
        IF p_distinct[i] AND v_rel_keys = v_k THEN
          -- The rule: the reservation's counters are the call's, each once. Usage added and the
          -- reservation released in one update; the flags returned are those from before (this
          -- update does not set them).
          WITH u AS (
            UPDATE ${s}.counters c SET used = c.used + t.a, reserved = greatest(0, c.reserved - t.r)
            FROM unnest(v_k, v_amt, v_rel_amounts, v_lim, v_alert, v_ann) WITH ORDINALITY AS t(k, a, r, lim, alert, ann, i)
            WHERE c.key = t.k
            RETURNING t.i, c.used, c.reserved, (t.alert >= 0 AND NOT c.alerted AND c.used >= t.alert)::int AS al,
              (t.ann >= 0 AND NOT c.announced AND c.used >= t.lim)::int AS ex
          )
          SELECT array_agg(x.v ORDER BY u.i, x.j) INTO v_res
          FROM u CROSS JOIN LATERAL (VALUES (1, u.used), (2, u.reserved), (3, u.al), (4, u.ex)) AS x(j, v);
        ELSE
          -- A counter named twice, or a reservation made under another plan: summed per key.
          WITH t AS (
            SELECT x.k, sum(x.a)::bigint AS act, sum(x.r)::bigint AS rel FROM (
              SELECT y.k, y.a, 0::bigint AS r FROM unnest(v_k, v_amt) AS y(k, a)
              UNION ALL SELECT z.k, 0, z.r FROM unnest(v_rel_keys, v_rel_amounts) AS z(k, r)) x
            GROUP BY x.k
          ), u AS (
            UPDATE ${s}.counters c SET used = c.used + t.act, reserved = greatest(0, c.reserved - t.rel)
            FROM t WHERE c.key = t.k
            RETURNING c.key, c.used, c.reserved, c.alerted, c.announced
          )
          SELECT array_agg(x.v ORDER BY t.i, x.j) INTO v_res
          FROM unnest(v_k, v_lim, v_alert, v_ann) WITH ORDINALITY AS t(k, lim, alert, ann, i)
          JOIN u ON u.key = t.k
          CROSS JOIN LATERAL (VALUES (1, u.used), (2, u.reserved), (3, (t.alert >= 0 AND NOT u.alerted AND u.used >= t.alert)::int),
            (4, (t.ann >= 0 AND NOT u.announced AND u.used >= t.lim)::int)) AS x(j, v);
        END IF;
        -- Crossings are rare: the one-time flags are set only then.
        IF EXISTS (SELECT 1 FROM generate_subscripts(v_k, 1) AS j WHERE v_res[4 * j - 1] = 1 OR v_res[4 * j] = 1) THEN
          UPDATE ${s}.counters c SET alerted = c.alerted OR f.al, announced = c.announced OR f.ex
          FROM (SELECT v_k[j] AS k, bool_or(v_res[4 * j - 1] = 1) AS al, bool_or(v_res[4 * j] = 1) AS ex
                FROM generate_subscripts(v_k, 1) AS j GROUP BY 1) f
          WHERE c.key = f.k AND (f.al OR f.ex);
        END IF;
        -- Ranked counters (a templated scope's): the member placed by its share of the limit.
        IF n > 0 AND EXISTS (SELECT 1 FROM unnest(p_rank_idx[o + 1 : o + n]) AS x(ri) WHERE x.ri IS NOT NULL) THEN
          INSERT INTO ${s}.ranks AS rk (idx, member, share, expires_at)
            SELECT DISTINCT ON (t.ri, t.rm) t.ri, t.rm, CASE WHEN t.lim > 0 THEN v_res[4 * t.j - 3]::double precision / t.lim ELSE 0 END, nullif(t.e, -1)
            FROM unnest(p_rank_idx[o + 1 : o + n], p_rank_member[o + 1 : o + n], v_lim, p_expires[o + 1 : o + n]) WITH ORDINALITY AS t(ri, rm, lim, e, j)
            WHERE t.ri IS NOT NULL
          ON CONFLICT (idx, member) DO UPDATE SET share = excluded.share, expires_at = excluded.expires_at;
        END IF;
      ELSE
        v_recorded := v_recorded || i;
      END IF;
      v_out := v_out || coalesce(v_res, '{}');
    END IF;
    o := o + n;
    g := g + m;
  END LOOP;
  -- The ledger rows of the settlements that recorded usage, in one statement.
  IF cardinality(v_recorded) > 0 AND jsonb_array_length(p_ledger) > 0 THEN
    INSERT INTO ${s}.ledger (request_id, settled_at, workspace, integration, provider, model, key, "user", status,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros)
    SELECT e."requestId", to_timestamp(e.at / 1000.0), e.workspace, e.integration, e.provider, e.model, e.key, e."user", e.status,
      e."inputTokens", e."outputTokens", e."cacheReadTokens", e."cacheWriteTokens", e."reasoningTokens", e."costMicros"
    FROM jsonb_to_recordset(p_ledger) AS e(op int, "requestId" text, at bigint, workspace text, integration text, provider text,
      model text, key text, "user" text, status text, "inputTokens" bigint, "outputTokens" bigint, "cacheReadTokens" bigint,
      "cacheWriteTokens" bigint, "reasoningTokens" bigint, "costMicros" bigint)
    WHERE e.op = ANY (v_recorded)
    -- A call charged on expiry has an 'unsettled' row already: its settlement, late, replaces it.
    ON CONFLICT (request_id) DO UPDATE SET settled_at = excluded.settled_at, status = excluded.status,
      input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, cache_read_tokens = excluded.cache_read_tokens,
      cache_write_tokens = excluded.cache_write_tokens, reasoning_tokens = excluded.reasoning_tokens, cost_micros = excluded.cost_micros
      WHERE ${s}.ledger.status = 'unsettled';
  END IF;
  RETURN v_out;
END $$;

-- Charges the live reservations past their expiry at p_now (at most p_limit of them; a
-- concurrency slot is given back): locks them (skipping those a settlement holds), then their
-- counters in key order, as apply does. Each with a note gets its ledger row, 'unsettled', at
-- the worst case it reserved: every call a caller may have been served has a row.
CREATE OR REPLACE FUNCTION ${s}.release_expired(p_now bigint, p_limit int) RETURNS int LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  v_ids text[];
BEGIN
  SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM (
    SELECT id FROM ${s}.reservations WHERE state = 0 AND expires_at <= p_now ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED) q;
  IF cardinality(v_ids) = 0 THEN RETURN 0; END IF;
  PERFORM 1 FROM ${s}.counters WHERE key IN (SELECT unnest(keys) FROM ${s}.reservations WHERE id = ANY (v_ids)) ORDER BY key FOR UPDATE;
  UPDATE ${s}.counters c SET reserved = greatest(0, c.reserved - t.held), used = c.used + t.charged, unsettled = c.unsettled + t.charged
    FROM (SELECT k, sum(abs(a))::bigint AS held, sum(greatest(a, 0))::bigint AS charged
          FROM ${s}.reservations r, unnest(r.keys, r.amounts) AS x(k, a) WHERE r.id = ANY (v_ids) GROUP BY k) t
    WHERE c.key = t.k;
  UPDATE ${s}.reservations SET state = 1 WHERE id = ANY (v_ids);
  INSERT INTO ${s}.ledger (request_id, settled_at, workspace, integration, provider, model, key, "user", status,
    input_tokens, output_tokens, cost_micros)
  SELECT r.id, to_timestamp(p_now / 1000.0), r.note->>${NOTE.workspace}, r.note->>${NOTE.integration}, r.note->>${NOTE.provider}, r.note->>${NOTE.model},
    r.note->>${NOTE.key}, r.note->>${NOTE.user}, 'unsettled', coalesce((r.note->>${NOTE.inputTokens})::bigint, 0), coalesce((r.note->>${NOTE.outputTokens})::bigint, 0),
    (r.note->>${NOTE.costMicros})::bigint
  FROM ${s}.reservations r WHERE r.id = ANY (v_ids) AND r.note IS NOT NULL
  ON CONFLICT (request_id) DO NOTHING;
  RETURN cardinality(v_ids);
END $$;

-- Per key three numbers: used, reserved, unsettled.
CREATE OR REPLACE FUNCTION ${s}.read(p_keys text[]) RETURNS bigint[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(x.v ORDER BY t.n, x.m), '{}')
  FROM unnest(p_keys) WITH ORDINALITY AS t(k, n)
  LEFT JOIN ${s}.counters c ON c.key = t.k
  CROSS JOIN LATERAL (VALUES (1, coalesce(c.used, 0)), (2, coalesce(c.reserved, 0)), (3, coalesce(c.unsettled, 0))) AS x(m, v)
$$;

-- The members of index p_idx with the largest shares of their limits, at most p_n, largest first.
CREATE OR REPLACE FUNCTION ${s}.nearest(p_idx text, p_n int, p_now bigint) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT member FROM ${s}.ranks WHERE idx = p_idx AND (expires_at IS NULL OR expires_at > p_now) ORDER BY share DESC, member LIMIT p_n
$$;

-- Takes up to p_limit notes of reservations charged on expiry, oldest first, forgetting each:
-- one taker gets each (rows another takes at the same moment are skipped).
CREATE OR REPLACE FUNCTION ${s}.take_unsettled(p_limit int) RETURNS TABLE (id text, note text, expired_at bigint) LANGUAGE sql AS $$
  WITH taken AS (
    SELECT r.id, r.note, r.expires_at FROM ${s}.reservations r
    WHERE r.state = 1 AND r.note IS NOT NULL ORDER BY r.expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED
  ), cleared AS (
    UPDATE ${s}.reservations r SET note = NULL FROM taken WHERE r.id = taken.id RETURNING r.id
  )
  SELECT taken.id, taken.note::text, taken.expires_at FROM taken JOIN cleared ON cleared.id = taken.id ORDER BY taken.expires_at
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

-- Rows no call needs any more: settled reservations 10 minutes past their expiry (a settlement
-- retried later than that is not expected), those released on expiry a day past it, and idle
-- counters past their expiry.
-- Takes only the locks it gets at once (SKIP LOCKED): it never waits for a call.
CREATE OR REPLACE FUNCTION ${s}.cleanup(p_now bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ${s}.reservations WHERE id IN (
    SELECT id FROM ${s}.reservations WHERE (state = 1 AND expires_at <= p_now - 86400000) OR (state = 2 AND expires_at <= p_now - 600000)
    LIMIT 50000 FOR UPDATE SKIP LOCKED);
  DELETE FROM ${s}.counters WHERE key IN (
    SELECT key FROM ${s}.counters WHERE expires_at IS NOT NULL AND expires_at <= p_now AND reserved = 0
    LIMIT 10000 FOR UPDATE SKIP LOCKED);
  DELETE FROM ${s}.ranks WHERE (idx, member) IN (
    SELECT idx, member FROM ${s}.ranks WHERE expires_at IS NOT NULL AND expires_at <= p_now LIMIT 10000 FOR UPDATE SKIP LOCKED);
END $$;
`;
}
