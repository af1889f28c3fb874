/**
 * The Redis store's scripts: each store call is one script, so one round trip and atomic.
 *
 * Keys, all under one hash tag (one slot): a hash per counter (`t` used + reserved, `u` used,
 * `a` alert announced, `n` exhaustion announced), and three per namespace for reservations: `res`, a
 * sorted set of live reservation ids by expiry; `amt`, a hash of each live reservation's
 * counters and amounts; `exp`, a sorted set of reservations released on expiry but not settled
 * yet (kept a day, so that their usage can still be recorded once).
 *
 * Every script first releases the reservations past their expiry (up to 100 at a time), so a
 * process killed mid-call never holds budget for longer than the reservation time. Settlement is
 * idempotent: a reservation in `res` is released and its usage recorded; one in `exp` has its
 * usage recorded; one in neither was settled already (a retry after a timeout that did apply).
 *
 * Per-counter arguments travel packed in one string (fields separated by ',', counters by ';'):
 * a command of a dozen arguments instead of seventy, whose encoding was most of the client's
 * cost. Amounts stay the decimal strings the gateway sends and are given to HINCRBY as such:
 * Lua would print a large number as `1e+15`, which Redis does not take as an integer. Keys
 * expire by relative TTL (PEXPIRE `expiresAt - now`), counted on Redis's own clock, so they live
 * as long as intended whatever the skew between the gateway's clock and Redis's.
 *
 * Keeping `t` = used + reserved makes admission one HINCRBY per counter when there is room (the
 * common case), undone on every counter when one has none.
 *
 * The purge touches the counters of expired reservations, which a script does not declare in
 * KEYS: they share the declared keys' hash slot, so this holds on a Redis Cluster node too.
 */

/** How long a reservation released on expiry can still be settled (its usage recorded once). */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/** K[1] res, K[2] exp, K[3] amt (a script's KEYS, or one operation's in a batch); shared by every script that reads counters. */
const PURGE = `
local function purge(K, now)
  local expired = redis.call('ZRANGEBYSCORE', K[1], '-inf', now, 'LIMIT', 0, 100)
  if #expired == 0 then return end
  for _, id in ipairs(expired) do
    local record = redis.call('HGET', K[3], id)
    if record then
      local key
      for part in string.gmatch(record, '[^\\n]+') do
        if key == nil then
          key = part
        else
          if part ~= '0' then redis.call('HINCRBY', key, 't', '-' .. part) end
          key = nil
        end
      end
      redis.call('HDEL', K[3], id)
    end
    redis.call('ZADD', K[2], now, id)
  end
  redis.call('ZREM', K[1], unpack(expired))
  redis.call('ZREMRANGEBYSCORE', K[2], '-inf', now - ${KEEP_EXPIRED_MS})
end
`;

/**
 * KEYS: res, exp, amt, then one hash per counter.
 * ARGV: now, ttl, id, then per counter packed: `limit,amount,expiresAt,exhaustedAt;`
 * (expiresAt -1: never; exhaustedAt: the settled usage from which a refusal announces a budget's
 * exhaustion, -1 for a rate limit), then the guards (scopes a revocation refuses).
 * Returns {1} when every counter had room (all reserved), {0, index, used, reserved, first} when
 * one had none, {2, guard index} when a guard is revoked. `first` (see AdmitResult) only for a
 * full counter: a call merely too large announces nothing. The revoked set (`rev`, beside `res`
 * under the same hash tag) is read, not declared: like the purge's counters, it shares the slot.
 */
const ADMIT_FN = `
local function admit(K, A, purged)
  local now, ttl, id = tonumber(A[1]), tonumber(A[2]), A[3]
  if #A > 4 then
    local rev = string.gsub(K[1], ':res$', ':rev')
    for g = 5, #A do
      if redis.call('SISMEMBER', rev, A[g]) == 1 then return {2, g - 5} end
    end
  end
  if not purged then purge(K, now) end
  local record, amounts = {}, {}
  local i = 0
  for limit, amount, expiresAt, exhaustedAt in string.gmatch(A[4], '([^,;]+),([^,;]+),([^,;]+),([^,;]+);') do
    i = i + 1
    local k = K[3 + i]
    amounts[i] = amount
    local total = redis.call('HINCRBY', k, 't', amount)
    -- Nothing was committed on this counter before: a new key (or an idle one) gets its TTL.
    expiresAt = tonumber(expiresAt)
    if total == tonumber(amount) and expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
    if total > tonumber(limit) then
      for j = 1, i do redis.call('HINCRBY', K[3 + j], 't', '-' .. amounts[j]) end
      local used = tonumber(redis.call('HGET', k, 'u') or '0')
      local before = total - tonumber(amount)
      exhaustedAt = tonumber(exhaustedAt)
      local full = (exhaustedAt >= 0 and used >= exhaustedAt) or (exhaustedAt < 0 and before >= tonumber(limit))
      local first = 0
      if full then first = redis.call('HSETNX', k, 'n', 1) end
      return {0, i - 1, used, before - used, first}
    end
    record[#record + 1] = k
    record[#record + 1] = amount
  end
  -- Only guards to check: nothing reserved, nothing to settle.
  if i == 0 then return {1} end
  redis.call('ZADD', K[1], now + ttl, id)
  redis.call('HSET', K[3], id, table.concat(record, '\\n'))
  return {1}
end
`;

export const ADMIT = `${PURGE}${ADMIT_FN}
return admit(KEYS, ARGV)
`;

/**
 * KEYS: res, exp, amt, then one hash per counter.
 * ARGV: now, id, mode, then per counter packed:
 * `actual - reserved amount,actual,limit,alertAt,announceAtLimit,expiresAt;` (alertAt -1: none,
 * announceAtLimit 0/1, expiresAt -1: never).
 * mode \`r\`: settle the reservation (idempotent, see above); \`u\`: no reservation was made (the
 * store failed at admission and the gateway admitted the call): record the usage.
 * Returns, per counter: used, reserved, alerted (0/1; -1: settled before, nothing recorded), exhausted (0/1).
 */
const SETTLE_FN = `
local function settle(K, A)
  local now, id, mode = tonumber(A[1]), A[2], A[3]
  local live, record = false, mode == 'u'
  if not record then
    if redis.call('ZREM', K[1], id) == 1 then
      live, record = true, true
      redis.call('HDEL', K[3], id)
    elseif redis.call('ZREM', K[2], id) == 1 then
      record = true
    end
  end
  local out = {}
  local i = 0
  for delta, actual, limit, alertAt, announce, expiresAt in string.gmatch(A[4], '([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+);') do
    i = i + 1
    local k = K[3 + i]
    limit, alertAt, expiresAt = tonumber(limit), tonumber(alertAt), tonumber(expiresAt)
    local used, total
    local alerted, exhausted = 0, 0
    if record then
      -- Live: the reservation becomes the actual usage (t += actual - amount). Otherwise the
      -- reservation is gone already (expired) or never was (fail-open): t += actual.
      total = redis.call('HINCRBY', k, 't', live and delta or actual)
      used = redis.call('HINCRBY', k, 'u', actual)
      if alertAt >= 0 and used >= alertAt and redis.call('HSETNX', k, 'a', 1) == 1 then alerted = 1 end
      if announce == '1' and used >= limit and redis.call('HSETNX', k, 'n', 1) == 1 then exhausted = 1 end
      -- A live reservation's counter has its TTL from admission; another may have been dropped since.
      if not live and expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
    else
      local s = redis.call('HMGET', k, 'u', 't')
      used, total = tonumber(s[1] or '0'), tonumber(s[2] or '0')
      alerted = -1
    end
    out[i] = {used, math.max(0, total - used), alerted, exhausted}
  end
  return out
end
`;

export const SETTLE = `${SETTLE_FN}
return settle(KEYS, ARGV)
`;

/** KEYS: res, exp, amt, then one hash per counter.   ARGV: now.   Returns, per counter: used, reserved. */
const READ_FN = `
local function read(K, A)
  purge(K, tonumber(A[1]))
  local out = {}
  for i = 1, #K - 3 do
    local s = redis.call('HMGET', K[3 + i], 'u', 't')
    local used = tonumber(s[1] or '0')
    out[i] = {used, math.max(0, tonumber(s[2] or '0') - used)}
  end
  return out
end
`;

export const READ = `${PURGE}${READ_FN}
return read(KEYS, ARGV)
`;

/**
 * Admissions, settlements and reads issued together, in one script: one command, one round trip
 * and one Lua call for all of them, applied in order, each exactly as its own script would.
 * KEYS: res, exp, amt, then the counters of each operation in turn.
 * ARGV, per operation: kind (`a` admit, `s` settle, `r` read), its number of counters, its number
 * of arguments, then its arguments (as ADMIT's, SETTLE's or READ's ARGV).
 * Returns each operation's reply, in order.
 */
export const BATCH = `${PURGE}${ADMIT_FN}${SETTLE_FN}${READ_FN}
local out = {}
local k, a, op = 4, 1, 0
-- Expired reservations are released once, by the batch's first admission.
local purged = false
while a <= #ARGV do
  local kind, n, m = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local K = {KEYS[1], KEYS[2], KEYS[3]}
  for i = 0, n - 1 do K[4 + i] = KEYS[k + i] end
  k = k + n
  local A = {}
  for i = 0, m - 1 do A[1 + i] = ARGV[a + i] end
  a = a + m
  op = op + 1
  if kind == 'a' then
    out[op] = admit(K, A, purged)
    purged = true
  elseif kind == 's' then
    out[op] = settle(K, A)
  else
    out[op] = read(K, A)
  end
end
return out
`;

/**
 * KEYS: one registry hash per origin (budget id -> set time).   ARGV: now, then per origin: count, ids...
 * Keeps the set time of known budgets, sets new ones to now, forgets the others.
 * Returns, per origin: {known (0/1), added ids, removed ids, set times in the order of the ids}.
 */
export const REGISTER = `
local now = ARGV[1]
local pos = 2
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local count = tonumber(ARGV[pos])
  pos = pos + 1
  local keep = {}
  for j = 0, count - 1 do keep[ARGV[pos + j]] = true end
  local existing = redis.call('HKEYS', key)
  local removed = {}
  for _, id in ipairs(existing) do
    if not keep[id] then
      redis.call('HDEL', key, id)
      table.insert(removed, id)
    end
  end
  local added, setAt = {}, {}
  for j = 0, count - 1 do
    local id = ARGV[pos + j]
    if redis.call('HSETNX', key, id, now) == 1 then table.insert(added, id) end
    table.insert(setAt, redis.call('HGET', key, id))
  end
  pos = pos + count
  table.insert(out, {#existing > 0 and 1 or 0, added, removed, setAt})
end
return out
`;

/**
 * The policy log: a list whose index + 1 is the version (RPUSH answers the new length, so the
 * version comes from the same atomic step as the append), and the set of revoked scopes, changed
 * in that step too: a revocation and its log entry are never seen apart.
 * KEYS: log, rev.   ARGV: change, deadline (epoch ms, 0: none), count of revoked scopes, the
 * revoked scopes, the restored ones.
 * Returns the change's version, also published on the channel named like the log; -1 when the
 * server's clock is past the deadline (a command queued or resent after the appender gave up).
 */
export const APPEND_POLICY = `
local deadline = tonumber(ARGV[2])
if deadline > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline then return -1 end
end
local revoking = tonumber(ARGV[3])
for i = 4, 3 + revoking do redis.call('SADD', KEYS[2], ARGV[i]) end
for i = 4 + revoking, #ARGV do redis.call('SREM', KEYS[2], ARGV[i]) end
local version = redis.call('RPUSH', KEYS[1], ARGV[1])
-- Pushed to every gateway (the channel is the log's key); the log is the truth, this is a hint.
redis.call('PUBLISH', KEYS[1], version)
return version
`;

/** KEYS: log.   ARGV: after, limit.   Returns the changes after version `after`, oldest first. */
export const READ_POLICY = `
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
return redis.call('LRANGE', KEYS[1], after, after + limit - 1)
`;
