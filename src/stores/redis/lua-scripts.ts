/**
 * The Redis store's scripts: each store call is one script, so one round trip and atomic.
 *
 * A counter is three keys of one hash slot: a hash `K` (`u` used, `r` reserved, `a` alert
 * announced, `n` exhaustion announced), a sorted set `K:z` of its reservations, member
 * `<amount>:<reservation id>`, score = expiry (ms), and a sorted set `K:x` of reservations
 * released on expiry but not settled yet (kept a day). Every script first releases the expired
 * reservations of the counters it touches, so a process killed mid-call never holds budget for
 * longer than the reservation time.
 *
 * Settlement is idempotent: a reservation found in `K:z` is released and its usage recorded; one
 * found in `K:x` (expired first) has its usage recorded; one found in neither was settled
 * already, so a retried settlement (after a timeout whose first attempt did apply) changes nothing.
 *
 * Amounts travel as the decimal strings the gateway sends and are given to HINCRBY as such:
 * Lua would print a large number as `1e+15`, which Redis does not take as an integer.
 *
 * Keys expire by relative TTL (PEXPIRE with `expiresAt - now`): Redis counts it on its own
 * clock, so a key lives as long as intended even if the gateway's clock and Redis's disagree.
 */

/** How long a reservation released on expiry can still be settled (its usage recorded once). */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/** Releases expired reservations of counter (k, z, x); shared by the scripts that read counters. */
const PURGE = `
local function purge(k, z, x, now)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'WITHSCORES')
  if #expired > 0 then
    local sum = 0
    for i = 1, #expired, 2 do
      sum = sum + tonumber(string.match(expired[i], '^(%d+):'))
      redis.call('ZADD', x, expired[i + 1], expired[i])
    end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    local r = redis.call('HINCRBY', k, 'r', string.format('%d', -sum))
    if r < 0 then redis.call('HSET', k, 'r', 0) end
    redis.call('PEXPIRE', x, ${KEEP_EXPIRED_MS})
  end
  redis.call('ZREMRANGEBYSCORE', x, '-inf', now - ${KEEP_EXPIRED_MS})
end
`;

/**
 * KEYS: k1, z1, x1, k2, z2, x2, ...   ARGV: now, ttl, id, then per counter: limit, amount, expiresAt (-1: never)
 * Returns {1} when every counter had room (all reserved), else {0, index, used, reserved, first}.
 */
export const ADMIT = `${PURGE}
local now, ttl, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local n = #KEYS / 3
for i = 1, n do
  local k, z, a = KEYS[3 * i - 2], KEYS[3 * i - 1], 3 + (i - 1) * 3
  purge(k, z, KEYS[3 * i], now)
  local s = redis.call('HMGET', k, 'u', 'r', 'n')
  local used, reserved = tonumber(s[1] or '0'), tonumber(s[2] or '0')
  if used + reserved + tonumber(ARGV[a + 2]) > tonumber(ARGV[a + 1]) then
    local first = 0
    if not s[3] then
      redis.call('HSET', k, 'n', 1)
      first = 1
      local expiresAt = tonumber(ARGV[a + 3])
      if expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
    end
    return {0, i - 1, used, reserved, first}
  end
end
local untilMs = now + ttl
for i = 1, n do
  local k, z, a = KEYS[3 * i - 2], KEYS[3 * i - 1], 3 + (i - 1) * 3
  local amount, expiresAt = ARGV[a + 2], tonumber(ARGV[a + 3])
  redis.call('HINCRBY', k, 'r', amount)
  redis.call('ZADD', z, untilMs, amount .. ':' .. id)
  if expiresAt >= 0 then
    redis.call('PEXPIRE', k, math.max(expiresAt - now, 1))
    redis.call('PEXPIRE', z, math.max(expiresAt, untilMs) - now)
  end
end
return {1}
`;

/**
 * KEYS: k1, z1, x1, ...   ARGV: now, id, mode, then per counter: reserved amount, actual, limit,
 * alertAt (-1: none), announceAtLimit (0/1), expiresAt (-1: never).
 * mode `r`: settle the reservation (idempotent, see above); `u`: no reservation was made (the
 * store failed at admission and the gateway admitted the call): record the usage.
 * Returns, per counter: used, reserved, alerted (0/1), exhausted (0/1).
 */
export const SETTLE = `
local now, id, mode = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local out = {}
for i = 1, #KEYS / 3 do
  local k, z, x, a = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], 3 + (i - 1) * 6
  local amount, actual = ARGV[a + 1], ARGV[a + 2]
  local limit, alertAt, announce, expiresAt = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5], tonumber(ARGV[a + 6])
  local member = amount .. ':' .. id
  local record = mode == 'u'
  if not record and redis.call('ZREM', z, member) == 1 then
    record = true
    if amount ~= '0' and redis.call('HINCRBY', k, 'r', '-' .. amount) < 0 then redis.call('HSET', k, 'r', 0) end
  elseif not record and redis.call('ZREM', x, member) == 1 then
    record = true
  end
  local used
  local alerted, exhausted = 0, 0
  if record then
    used = redis.call('HINCRBY', k, 'u', actual)
    if alertAt >= 0 and used >= alertAt and redis.call('HSETNX', k, 'a', 1) == 1 then alerted = 1 end
    if announce == '1' and used >= limit and redis.call('HSETNX', k, 'n', 1) == 1 then exhausted = 1 end
    if expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
  else
    used = tonumber(redis.call('HGET', k, 'u') or '0')
  end
  table.insert(out, {used, tonumber(redis.call('HGET', k, 'r') or '0'), alerted, exhausted})
end
return out
`;

/** KEYS: k1, z1, x1, ...   ARGV: now.   Returns, per counter: used, reserved. */
export const READ = `${PURGE}
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS / 3 do
  local k = KEYS[3 * i - 2]
  purge(k, KEYS[3 * i - 1], KEYS[3 * i], now)
  local s = redis.call('HMGET', k, 'u', 'r')
  table.insert(out, {tonumber(s[1] or '0'), tonumber(s[2] or '0')})
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
