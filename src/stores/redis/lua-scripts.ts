/**
 * The Redis store's scripts: each store call is one script, so one round trip and atomic.
 *
 * Keys, all under one hash tag (one slot): a hash per counter (`t` used + reserved, `u` used,
 * `x` the part of `u` charged by reservations that expired unsettled, `a` alert announced, `n`
 * exhaustion announced), and five per namespace for reservations: `res`, a sorted set of live
 * reservation ids by expiry; `amt`, a hash of each live reservation's counters and amounts; `exp`,
 * a sorted set of reservations charged on expiry but not settled yet (kept a day, so that a late
 * settlement replaces the charge by its usage, once); `not`, the notes (the gateway's description
 * of a call) of reservations not settled; `uns`, a list of the ids of reservations charged on
 * expiry whose note no one has taken yet.
 *
 * Every script that admits or reads first charges the reservations past their expiry (up to 100
 * at a time): a process killed mid-call never holds budget for longer than the reservation time,
 * and what its callers may have been served is counted (the worst case each reserved), but for
 * concurrency slots, given back. Settlement is idempotent: a reservation in `res` is released
 * and its usage recorded; one in `exp` has its charge replaced by its usage; one in neither was
 * settled already (a retry after a timeout that did apply).
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

/** Reserved-key count of every script: res, exp, amt, not, uns; counters follow. */
const R = 5;

/**
 * The reservations' entries the operations add and remove (in res, amt and not), written by one
 * command each when the script ends (`flush`), not one per operation: a command inside a script
 * costs several microseconds, more than an operation's arithmetic. Nothing in a script reads them
 * back (an operation settles a reservation made by an earlier script, and the purge charges
 * expired ones). The counters are not deferred so: a HINCRBY changes a counter and tells its total
 * in one command, where reading it once and writing it once at the end are two, which measured
 * slower for one or two operations (the common case) and no faster for 16.
 */
const WRITES = `
local resAdd, amtSet, notSet, amtDel, notDel = {}, {}, {}, {}, {}
-- One or two values, without varargs: a vararg function makes a table per call.
local function push(list, a, b)
  local n = #list
  list[n + 1] = a
  if b ~= nil then list[n + 2] = b end
end
local function flush()
  if #resAdd > 0 then redis.call('ZADD', KEYS[1], unpack(resAdd)) end
  if #amtSet > 0 then redis.call('HSET', KEYS[3], unpack(amtSet)) end
  if #notSet > 0 then redis.call('HSET', KEYS[4], unpack(notSet)) end
  if #amtDel > 0 then redis.call('HDEL', KEYS[3], unpack(amtDel)) end
  if #notDel > 0 then redis.call('HDEL', KEYS[4], unpack(notDel)) end
  resAdd, amtSet, notSet, amtDel, notDel = {}, {}, {}, {}, {}
end
`;

/**
 * KEYS[1] res, KEYS[2] exp, KEYS[3] amt, KEYS[4] not, KEYS[5] uns: the first five keys of every
 * script that reads counters. An operation reads its counters' keys at KEYS[ko + i] and its
 * arguments at ARGV[ao + j] (ko, ao: where its own begin, in a batch), not from copies.
 */
const PURGE = `${WRITES}
local function purge(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
  if #expired > 0 then
    for _, id in ipairs(expired) do
      local record = redis.call('HGET', KEYS[3], id)
      if record then
        local key
        for part in string.gmatch(record, '[^\\n]+') do
          if key == nil then
            key = part
          else
            if string.sub(part, 1, 1) == 'r' then
              -- A concurrency slot: given back.
              if part ~= 'r0' then redis.call('HINCRBY', key, 't', '-' .. string.sub(part, 2)) end
            elseif part ~= '0' then
              -- Charged: the reservation becomes usage (t already holds it), counted as unsettled.
              redis.call('HINCRBY', key, 'u', part)
              redis.call('HINCRBY', key, 'x', part)
            end
            key = nil
          end
        end
        redis.call('HDEL', KEYS[3], id)
      end
      redis.call('ZADD', KEYS[2], now, id)
      if redis.call('HEXISTS', KEYS[4], id) == 1 then redis.call('RPUSH', KEYS[5], id) end
    end
    redis.call('ZREM', KEYS[1], unpack(expired))
  end
  -- Charged a day ago and never settled: forgotten, with their notes.
  local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ${KEEP_EXPIRED_MS}, 'LIMIT', 0, 100)
  if #old > 0 then
    redis.call('ZREM', KEYS[2], unpack(old))
    redis.call('HDEL', KEYS[4], unpack(old))
  end
end
`;

/**
 * KEYS: res, exp, amt, not, uns, then one hash per counter.
 * ARGV: now, ttl, id, then per counter packed: `limit,amount,expiresAt,exhaustedAt,release;`
 * (expiresAt -1: never; exhaustedAt: the settled usage from which a refusal announces a budget's
 * exhaustion, -1 for a rate limit; release 1: given back on expiry, not charged), then the
 * call's note ('' for none), then the guards (scopes a revocation refuses).
 * Returns {1, total...} when every counter had room (all reserved; each counter's used +
 * reserved after it, the `t` its HINCRBY returned), {0, index, used, reserved, first} when
 * one had none, {2, guard index} when a guard is revoked. `first` (see AdmitResult) only for a
 * full counter: a call merely too large announces nothing. The revoked set (`rev`, beside `res`
 * under the same hash tag) is read, not declared: like the purge's counters, it shares the slot.
 */
const ADMIT_FN = `
local revoked = {}
local function isRevoked(scope)
  local known = revoked[scope]
  if known == nil then
    known = redis.call('SISMEMBER', string.gsub(KEYS[1], ':res$', ':rev'), scope) == 1
    revoked[scope] = known
  end
  return known
end
local function admit(ko, ao, m, purged)
  local now, ttl, id = tonumber(ARGV[ao + 1]), tonumber(ARGV[ao + 2]), ARGV[ao + 3]
  for g = 6, m do
    if isRevoked(ARGV[ao + g]) then return {2, g - 6} end
  end
  if not purged then purge(now) end
  local record, amounts, totals = {}, {}, {1}
  local i = 0
  for limit, amount, expiresAt, exhaustedAt, release in string.gmatch(ARGV[ao + 4], '([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+);') do
    i = i + 1
    local k = KEYS[ko + i]
    amounts[i] = amount
    local total = redis.call('HINCRBY', k, 't', amount)
    local n = tonumber(amount)
    -- Nothing was committed on this counter before: a new key (or an idle one) gets its TTL.
    -- (Numbers are parsed only where they are used: a tonumber is a strtod, which for a
    -- 13-digit time took several per cent of Redis's time.)
    if total == n then
      expiresAt = tonumber(expiresAt)
      if expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
    end
    if total > tonumber(limit) then
      for j = 1, i do redis.call('HINCRBY', KEYS[ko + j], 't', '-' .. amounts[j]) end
      local used = tonumber(redis.call('HGET', k, 'u') or '0')
      local before = total - n
      exhaustedAt = tonumber(exhaustedAt)
      local full = (exhaustedAt >= 0 and used >= exhaustedAt) or (exhaustedAt < 0 and before >= tonumber(limit))
      local first = 0
      if full then first = redis.call('HSETNX', k, 'n', 1) end
      return {0, i - 1, used, before - used, first}
    end
    record[#record + 1] = k
    record[#record + 1] = release == '1' and ('r' .. amount) or amount
    totals[i + 1] = total
  end
  -- Only guards to check: nothing reserved, nothing to settle.
  if i == 0 then return {1} end
  push(resAdd, now + ttl, id)
  push(amtSet, id, table.concat(record, '\\n'))
  if ARGV[ao + 5] ~= '' then push(notSet, id, ARGV[ao + 5]) end
  return totals
end
`;

export const ADMIT = `${PURGE}${ADMIT_FN}
local reply = admit(${R}, 0, #ARGV, false)
flush()
return reply
`;

/**
 * KEYS: res, exp, amt, not, uns, then one hash per counter.
 * ARGV: now, id, mode, then per counter packed:
 * `actual - reserved amount,actual,limit,alertAt,announceAtLimit,expiresAt,release;` (alertAt -1:
 * none, announceAtLimit 0/1, expiresAt -1: never, release 1: a concurrency slot, given back on expiry).
 * mode \`r\`: settle the reservation (idempotent, see above); \`u\`: no reservation was made (the
 * store failed at admission and the gateway admitted the call): record the usage.
 * Then, per ranked counter (CounterSpec.rank), three more: its position among the counters, its
 * index's sorted set (under the hash tag, like the purge's counters), its member: the member is
 * placed by used / limit, and the set lives as long as the counter.
 * Returns, per counter and flat (no table per counter for Lua to make and Redis to convert):
 * used, reserved, alerted (0/1; -1: settled before, nothing recorded), exhausted (0/1).
 */
const SETTLE_FN = `
local function settle(ko, ao, m)
  local now, id, mode = tonumber(ARGV[ao + 1]), ARGV[ao + 2], ARGV[ao + 3]
  local live, charged, record = false, false, mode == 'u'
  if not record then
    if redis.call('ZREM', KEYS[1], id) == 1 then
      live, record = true, true
      push(amtDel, id)
    elseif redis.call('ZREM', KEYS[2], id) == 1 then
      charged, record = true, true
    end
    -- Settled: its note is no one's business any more (an id left in uns is skipped when taken).
    push(notDel, id)
  end
  local out, limits, expiries = {}, nil, nil
  -- Ranked counters follow the counters: their limits and expiries are kept only then.
  if m > 4 then limits, expiries = {}, {} end
  local i = 0
  for delta, actual, limit, alertAt, announce, expiresAt, release in string.gmatch(ARGV[ao + 4], '([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+),([^,;]+);') do
    i = i + 1
    local k = KEYS[ko + i]
    -- Kept as strings, parsed where used (see admit).
    if limits then limits[i], expiries[i] = limit, expiresAt end
    local used, total
    local alerted, exhausted = 0, 0
    if record then
      if charged and release ~= '1' then
        -- Charged on expiry: the charge (amount = actual - delta) gives way to the usage.
        total = redis.call('HINCRBY', k, 't', delta)
        used = redis.call('HINCRBY', k, 'u', delta)
        redis.call('HINCRBY', k, 'x', tonumber(delta) - tonumber(actual))
      else
        -- Live: the reservation becomes the actual usage (t += actual - amount). Otherwise the
        -- reservation is given back already (a slot) or never was (fail-open): t += actual.
        total = redis.call('HINCRBY', k, 't', live and delta or actual)
        used = redis.call('HINCRBY', k, 'u', actual)
      end
      if alertAt ~= '-1' and used >= tonumber(alertAt) and redis.call('HSETNX', k, 'a', 1) == 1 then alerted = 1 end
      if announce == '1' and used >= tonumber(limit) and redis.call('HSETNX', k, 'n', 1) == 1 then exhausted = 1 end
      -- A live reservation's counter has its TTL from admission; another may have been dropped since.
      if not live then
        expiresAt = tonumber(expiresAt)
        if expiresAt > now then redis.call('PEXPIRE', k, expiresAt - now) end
      end
    else
      local s = redis.call('HMGET', k, 'u', 't')
      used, total = tonumber(s[1] or '0'), tonumber(s[2] or '0')
      alerted = -1
    end
    local o = 4 * i
    out[o - 3], out[o - 2], out[o - 1], out[o] = used, math.max(0, total - used), alerted, exhausted
  end
  if record then
    for r = ao + 5, ao + m, 3 do
      local j = tonumber(ARGV[r])
      local limit, expiresAt = tonumber(limits[j]), tonumber(expiries[j])
      local share = limit > 0 and out[4 * j - 3] / limit or 0
      redis.call('ZADD', ARGV[r + 1], tostring(share), ARGV[r + 2])
      if expiresAt > now then redis.call('PEXPIRE', ARGV[r + 1], expiresAt - now) end
    end
  end
  return out
end
`;

export const SETTLE = `${WRITES}${SETTLE_FN}
local reply = settle(${R}, 0, #ARGV)
flush()
return reply
`;

/** KEYS: res, exp, amt, not, uns, then one hash per counter.   ARGV: now.   Returns, per counter: used, reserved, unsettled. */
const READ_FN = `
local function read(ko, n, ao)
  purge(tonumber(ARGV[ao + 1]))
  local out = {}
  for i = 1, n do
    local s = redis.call('HMGET', KEYS[ko + i], 'u', 't', 'x')
    local used = tonumber(s[1] or '0')
    out[i] = {used, math.max(0, tonumber(s[2] or '0') - used), tonumber(s[3] or '0')}
  end
  return out
end
`;

export const READ = `${PURGE}${READ_FN}
local reply = read(${R}, #KEYS - ${R}, 0)
flush()
return reply
`;

/**
 * Admissions, settlements and reads issued together, in one script: one command, one round trip
 * and one Lua call for all of them, applied in order, each exactly as its own script would.
 * KEYS: res, exp, amt, not, uns, then the counters of each operation in turn.
 * ARGV, per operation: kind (`a` admit, `s` settle, `r` read), its number of counters, its number
 * of arguments, then its arguments (as ADMIT's, SETTLE's or READ's ARGV).
 * Returns each operation's reply, in order.
 */
export const BATCH = `${PURGE}${ADMIT_FN}${SETTLE_FN}${READ_FN}
local out = {}
local k, a, op = ${R} + 1, 1, 0
-- Expired reservations are released once, by the batch's first admission.
local purged = false
while a <= #ARGV do
  local kind, n, m = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  op = op + 1
  if kind == 'a' then
    out[op] = admit(k - 1, a - 1, m, purged)
    purged = true
  elseif kind == 's' then
    out[op] = settle(k - 1, a - 1, m)
  else
    out[op] = read(k - 1, n, a - 1)
  end
  k = k + n
  a = a + m
end
flush()
return out
`;

/** KEYS: an index's sorted set.   ARGV: n.   Its n members with the largest shares, largest first. */
export const NEAREST = `
return redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
`;

/**
 * KEYS: res, exp, amt, not, uns.   ARGV: now, limit.
 * Charges what has expired, then takes up to `limit` ids from `uns`, oldest first, each with its
 * note and when it was charged, and forgets the note: one taker gets each. An id whose note is
 * gone was settled after it expired, and is skipped. Returns {id, note, expiredAt, ...}.
 */
export const TAKE_UNSETTLED = `${PURGE}
purge(tonumber(ARGV[1]))
local out = {}
local want = tonumber(ARGV[2])
while #out < want * 3 do
  local id = redis.call('LPOP', KEYS[5])
  if not id then break end
  local note = redis.call('HGET', KEYS[4], id)
  if note then
    redis.call('HDEL', KEYS[4], id)
    out[#out + 1] = id
    out[#out + 1] = note
    out[#out + 1] = redis.call('ZSCORE', KEYS[2], id) or ARGV[1]
  end
end
flush()
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
