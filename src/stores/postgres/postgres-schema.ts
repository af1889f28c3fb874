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
 *   batch and `release_expired` (which locks in the same order), never deadlock. It reads each
 *   counter once, runs the ops in memory and writes each counter once. A batch of
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
-- its member there (null: not ranked); a settlement places the member by used / limit. p_ukeys:
-- the batch's counter keys, each once; p_kidx: per counter, its key's place in p_ukeys.
-- Returns the results one after the other. Per admission five numbers: {1, 0, 0, 0, 0} admitted
-- (reserved on every counter), {0, index, used, reserved, first} refused, {2, guard index, 0, 0,
-- 0} revoked. Per settlement four per counter: {used, reserved, alerted, exhausted} (alerted -1:
-- settled before, nothing recorded; p_alert -1: none). A statement costs more than the work of
-- a whole op, so a batch runs a few, whatever its size: each counter's row is read once, worked
-- on in memory (the ops in order, as if each ran alone) and written once if it changed; every
-- reservation row of the batch is written by one statement. (One statement per op, as before,
-- also updated a hot counter once per op: a new row version each time.) Everything is inline: a
-- nested plpgsql call costs more than the work it would do.
CREATE OR REPLACE FUNCTION ${s}.apply(p_now bigint, p_kinds smallint[], p_ids text[], p_ttls bigint[], p_reserved boolean[],
  p_counts int[], p_gcounts int[], p_keys text[], p_limits bigint[], p_amounts bigint[], p_expires bigint[],
  p_announce bigint[], p_alert bigint[], p_guards text[], p_settled text[], p_ledger jsonb, p_distinct boolean[],
  p_release boolean[], p_notes text[], p_rank_idx text[], p_rank_member text[], p_ukeys text[], p_kidx int[]) RETURNS bigint[] LANGUAGE plpgsql
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  -- The reservations settled (locked, in id order): id, state, and the keys and amounts of those
  -- still to release or whose charge gives way, one after the other (r_off: where each starts).
  r_ids text[];
  r_state smallint[];
  r_cnt int[];
  r_off int[] := '{}';
  r_keys text[];
  r_amts bigint[];
  -- Every counter the batch names, once (p_ukeys, then the keys only a settled reservation
  -- names), and its row as the batch goes: read once, worked on in memory, written once if it
  -- changed. c_ok: the row exists (a reservation's counter that is gone stays gone).
  u_keys text[];
  c_used bigint[];
  c_res bigint[];
  c_uns bigint[];
  c_al boolean[];
  c_an boolean[];
  c_ok boolean[];
  -- p_keys[j] is u_keys[p_kidx[j]]; the release of a reservation, rk_idx (its keys' places).
  rk_idx int[];
  v_locked text[];
  v_revoked text[] := '{}';
  c_used0 bigint[];
  c_res0 bigint[];
  c_uns0 bigint[];
  c_al0 boolean[];
  c_an0 boolean[];
  v_out bigint[] := '{}';
  v_res bigint[];
  v_recorded int[] := '{}';
  -- What is written after the loop: admissions' reservations (op, offset), reservations settled,
  -- settlements of a reservation that has no row, ranked members.
  a_ops int[] := '{}';
  a_off int[] := '{}';
  s_done text[] := '{}';
  s_new text[] := '{}';
  k_ri text[] := '{}';
  k_rm text[] := '{}';
  k_share double precision[] := '{}';
  k_exp bigint[] := '{}';
  o int := 0;
  g int := 0;
  n int;
  m int;
  x int;
  ri int;
  rel_n int;
  chg boolean;
  same boolean;
  record_usage boolean;
  a bigint;
BEGIN
  -- A batch of admissions only commits asynchronously: see postgresStore for why a lost one is
  -- harmless. A batch with a settlement commits durably (and with it every commit before it).
  IF NOT (1 = ANY (p_kinds)) THEN PERFORM set_config('synchronous_commit', 'off', true); END IF;
  -- Statements cost more than the work of a batch: PostgreSQL runs a handful per batch, not per
  -- op, and never updates a row twice (each update of a row is a new row version).
  WITH q AS MATERIALIZED (
    SELECT id, state, CASE WHEN state IN (0, 1) THEN keys ELSE '{}' END AS keys, CASE WHEN state IN (0, 1) THEN amounts ELSE '{}' END AS amounts
    FROM ${s}.reservations WHERE id = ANY (p_settled) ORDER BY id FOR UPDATE)
  SELECT (SELECT coalesce(array_agg(q.id ORDER BY q.id), '{}') FROM q), (SELECT coalesce(array_agg(q.state ORDER BY q.id), '{}') FROM q),
    (SELECT coalesce(array_agg(cardinality(q.keys) ORDER BY q.id), '{}') FROM q),
    (SELECT coalesce(array_agg(t.k ORDER BY q.id, t.j), '{}') FROM q CROSS JOIN LATERAL unnest(q.keys) WITH ORDINALITY AS t(k, j)),
    (SELECT coalesce(array_agg(t.a ORDER BY q.id, t.j), '{}') FROM q CROSS JOIN LATERAL unnest(q.amounts) WITH ORDINALITY AS t(a, j))
  INTO r_ids, r_state, r_cnt, r_keys, r_amts;
  x := 0;
  FOR j IN 1 .. cardinality(r_ids) LOOP
    r_off[j] := x;
    x := x + r_cnt[j];
  END LOOP;
  u_keys := p_ukeys;
  IF cardinality(r_keys) > 0 THEN
    u_keys := u_keys || (SELECT coalesce(array_agg(DISTINCT t.k), '{}') FROM unnest(r_keys) AS t(k) WHERE NOT (t.k = ANY (p_ukeys)));
  END IF;
  -- Every counter of the batch, locked in key order; the missing ones created first (those of
  -- p_keys: a reservation's counter that is gone stays gone), then all locked again in order.
  IF cardinality(u_keys) > 0 THEN
    SELECT coalesce(array_agg(q.key), '{}') INTO v_locked FROM (
      SELECT key FROM ${s}.counters WHERE key = ANY (u_keys) ORDER BY key FOR UPDATE) q;
    IF NOT (p_keys <@ v_locked) THEN
      INSERT INTO ${s}.counters (key, expires_at)
        SELECT DISTINCT ON (t.k) t.k, nullif(t.e, -1) FROM unnest(p_keys, p_expires) AS t(k, e) ORDER BY t.k ON CONFLICT (key) DO NOTHING;
      PERFORM 1 FROM ${s}.counters WHERE key = ANY (u_keys) ORDER BY key FOR UPDATE;
    END IF;
    SELECT array_agg(coalesce(c.used, 0) ORDER BY u.pos), array_agg(coalesce(c.reserved, 0) ORDER BY u.pos),
      array_agg(coalesce(c.unsettled, 0) ORDER BY u.pos), array_agg(coalesce(c.alerted, false) ORDER BY u.pos),
      array_agg(coalesce(c.announced, false) ORDER BY u.pos), array_agg(c.key IS NOT NULL ORDER BY u.pos)
    INTO c_used, c_res, c_uns, c_al, c_an, c_ok
    FROM unnest(u_keys) WITH ORDINALITY AS u(k, pos) LEFT JOIN ${s}.counters c ON c.key = u.k;
  END IF;
  IF cardinality(p_guards) > 0 THEN
    SELECT coalesce(array_agg(v.scope), '{}') INTO v_revoked FROM ${s}.revoked v WHERE v.scope = ANY (p_guards);
  END IF;
  -- The rows as read: what changed is written back.
  c_used0 := c_used;
  c_res0 := c_res;
  c_uns0 := c_uns;
  c_al0 := c_al;
  c_an0 := c_an;
  FOR i IN 1 .. coalesce(cardinality(p_kinds), 0) LOOP
    n := p_counts[i];
    m := p_gcounts[i];
    IF p_kinds[i] = 0 THEN
      v_res := NULL;
      IF m > 0 AND cardinality(v_revoked) > 0 THEN
        FOR j IN 1 .. m LOOP
          IF p_guards[g + j] = ANY (v_revoked) THEN
            v_res := ARRAY[2, j - 1, 0, 0, 0];
            EXIT;
          END IF;
        END LOOP;
      END IF;
      IF v_res IS NULL THEN
        -- The first counter without room, if any, with what it holds.
        FOR j IN 1 .. n LOOP
          x := p_kidx[o + j];
          IF c_used[x] + c_res[x] + p_amounts[o + j] > p_limits[o + j] THEN
            IF (CASE WHEN p_announce[o + j] >= 0 THEN c_used[x] >= p_announce[o + j] ELSE c_used[x] + c_res[x] >= p_limits[o + j] END) AND NOT c_an[x] THEN
              c_an[x] := true;
              v_res := ARRAY[0, j - 1, c_used[x], c_res[x], 1];
            ELSE
              v_res := ARRAY[0, j - 1, c_used[x], c_res[x], 0];
            END IF;
            EXIT;
          END IF;
        END LOOP;
      END IF;
      IF v_res IS NULL THEN
        FOR j IN 1 .. n LOOP
          c_res[p_kidx[o + j]] := c_res[p_kidx[o + j]] + p_amounts[o + j];
        END LOOP;
        IF n > 0 THEN
          a_ops[cardinality(a_ops) + 1] := i;
          a_off[cardinality(a_off) + 1] := o;
        END IF;
        v_res := ARRAY[1, 0, 0, 0, 0];
      END IF;
      v_out := v_out || v_res;
    ELSE
      record_usage := true;
      rel_n := 0;
      chg := false;
      ri := NULL;
      IF p_reserved[i] THEN
        ri := array_position(r_ids, p_ids[i]);
        IF ri IS NULL THEN
          -- No row: an admission the database lost in a crash (its commit is asynchronous, see
          -- postgresStore). The usage is recorded, nothing released, and the settlement marked
          -- as for any other, so that a retry does not record it twice.
          s_new[cardinality(s_new) + 1] := p_ids[i];
          r_ids[cardinality(r_ids) + 1] := p_ids[i];
          r_state[cardinality(r_state) + 1] := 2;
        ELSIF r_state[ri] = 2 THEN
          -- Settled already (a retry after a timeout that did apply): nothing changes.
          record_usage := false;
        ELSE
          IF r_state[ri] = 0 THEN
            rel_n := r_cnt[ri];
          ELSE
            -- Charged on expiry (state 1): the charge gives way to the usage recorded below.
            chg := true;
          END IF;
          r_state[ri] := 2;
          s_done[cardinality(s_done) + 1] := p_ids[i];
        END IF;
      END IF;
      IF chg OR rel_n > 0 THEN
        -- Where the reservation's keys are: as a rule the settlement's own, in the same order.
        -- (Element by element: a slice of an array copies the whole array first.)
        same := p_distinct[i] AND r_cnt[ri] = n;
        FOR j IN 1 .. n LOOP
          EXIT WHEN NOT same;
          same := r_keys[r_off[ri] + j] = p_keys[o + j];
        END LOOP;
        rk_idx := '{}';
        FOR j IN 1 .. r_cnt[ri] LOOP
          -- A reservation made under another plan: the places of its own keys.
          rk_idx[j] := CASE WHEN same THEN p_kidx[o + j] ELSE array_position(u_keys, r_keys[r_off[ri] + j]) END;
        END LOOP;
      END IF;
      IF chg THEN
        FOR j IN 1 .. r_cnt[ri] LOOP
          a := r_amts[r_off[ri] + j];
          x := rk_idx[j];
          IF a > 0 AND c_ok[x] THEN
            c_used[x] := c_used[x] - a;
            c_uns[x] := c_uns[x] - a;
          END IF;
        END LOOP;
      END IF;
      v_res := '{}';
      IF NOT record_usage THEN
        FOR j IN 1 .. n LOOP
          x := p_kidx[o + j];
          v_res := v_res || ARRAY[c_used[x], c_res[x], -1, 0];
        END LOOP;
      ELSIF n > 0 OR rel_n > 0 THEN
        v_recorded[cardinality(v_recorded) + 1] := i;
        -- Usage added, the reservation released (its amounts, a slot's negative, as positive).
        FOR j IN 1 .. n LOOP
          c_used[p_kidx[o + j]] := c_used[p_kidx[o + j]] + p_amounts[o + j];
        END LOOP;
        FOR j IN 1 .. rel_n LOOP
          x := rk_idx[j];
          IF c_ok[x] THEN
            c_res[x] := greatest(0, c_res[x] - abs(r_amts[r_off[ri] + j]));
          END IF;
        END LOOP;
        -- What each counter holds now, and the one-time crossings (flags from before this
        -- settlement: a counter named twice reports its crossing twice, as its rows would).
        FOR j IN 1 .. n LOOP
          x := p_kidx[o + j];
          v_res := v_res || ARRAY[c_used[x], c_res[x], (p_alert[o + j] >= 0 AND NOT c_al[x] AND c_used[x] >= p_alert[o + j])::int,
            (p_announce[o + j] >= 0 AND NOT c_an[x] AND c_used[x] >= p_limits[o + j])::int];
        END LOOP;
        FOR j IN 1 .. n LOOP
          IF v_res[4 * j - 1] = 1 THEN c_al[p_kidx[o + j]] := true; END IF;
          IF v_res[4 * j] = 1 THEN c_an[p_kidx[o + j]] := true; END IF;
          -- Ranked counters (a templated scope's): the member placed by its share of the limit.
          IF p_rank_idx[o + j] IS NOT NULL THEN
            k_ri[cardinality(k_ri) + 1] := p_rank_idx[o + j];
            k_rm[cardinality(k_rm) + 1] := p_rank_member[o + j];
            k_share[cardinality(k_share) + 1] := CASE WHEN p_limits[o + j] > 0 THEN v_res[4 * j - 3]::double precision / p_limits[o + j] ELSE 0 END;
            k_exp[cardinality(k_ri)] := nullif(p_expires[o + j], -1);
          END IF;
        END LOOP;
      ELSE
        v_recorded[cardinality(v_recorded) + 1] := i;
      END IF;
      v_out := v_out || v_res;
    END IF;
    o := o + n;
    g := g + m;
  END LOOP;
  -- Each counter that changed, written once.
  IF cardinality(u_keys) > 0 THEN
    UPDATE ${s}.counters c SET used = t.u, reserved = t.r, unsettled = t.un, alerted = t.al, announced = t.an
      FROM unnest(u_keys, c_used, c_res, c_uns, c_al, c_an, c_used0, c_res0, c_uns0, c_al0, c_an0) AS t(k, u, r, un, al, an, u0, r0, un0, al0, an0)
      WHERE (t.u, t.r, t.un, t.al, t.an) IS DISTINCT FROM (t.u0, t.r0, t.un0, t.al0, t.an0) AND c.key = t.k;
  END IF;
  -- A slot given back on expiry is kept negative: the sign tells release_expired not to charge it.
  IF cardinality(a_ops) > 0 THEN
    INSERT INTO ${s}.reservations (id, expires_at, keys, amounts, note)
      SELECT p_ids[t.i], p_now + p_ttls[t.i],
        (SELECT array_agg(p_keys[j] ORDER BY j) FROM generate_series(t.off + 1, t.off + p_counts[t.i]) AS j),
        (SELECT array_agg(CASE WHEN p_release[j] THEN -p_amounts[j] ELSE p_amounts[j] END ORDER BY j) FROM generate_series(t.off + 1, t.off + p_counts[t.i]) AS j),
        p_notes[t.i]::jsonb
      FROM unnest(a_ops, a_off) AS t(i, off);
  END IF;
  IF cardinality(s_done) > 0 THEN
    UPDATE ${s}.reservations SET state = 2, note = NULL WHERE id = ANY (s_done);
  END IF;
  IF cardinality(s_new) > 0 THEN
    INSERT INTO ${s}.reservations (id, expires_at, keys, amounts, state) SELECT t.id, p_now, '{}', '{}', 2 FROM unnest(s_new) AS t(id);
  END IF;
  IF cardinality(k_ri) > 0 THEN
    -- A member placed twice in the batch: its last place stands.
    INSERT INTO ${s}.ranks AS rk (idx, member, share, expires_at)
      SELECT DISTINCT ON (t.ri, t.rm) t.ri, t.rm, t.sh, t.e FROM unnest(k_ri, k_rm, k_share, k_exp) WITH ORDINALITY AS t(ri, rm, sh, e, q)
      ORDER BY t.ri, t.rm, t.q DESC
    ON CONFLICT (idx, member) DO UPDATE SET share = excluded.share, expires_at = excluded.expires_at;
  END IF;
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
