/**
 * The Redis store's analytics scripts. Rollups live in one hash per bucket
 * (`{tag}:a:<m|h|d>:<start>`), with fields `<dims id>:<metric>` (`r` requests, `e` errors,
 * `j` rejected, `x` aborted, `i`, `o`, `cr`, `cw`, `rs` tokens, `c` cost in micro-dollars,
 * `l<n>` / `t<n>` latency / TTFT histogram buckets), all integers, added with HINCRBY. A dims id
 * is a digest of the cell's dimensions; the dimensions themselves are kept once, in the hash
 * `{tag}:a:dims`. Every key expires by relative TTL, its bucket's end plus its retention.
 */

/**
 * KEYS[1] dims, KEYS[2] the batch's marker, KEYS[3..] bucket keys. ARGV[1] marker TTL, ARGV[2]
 * dims TTL, ARGV[3] = n bucket keys, ARGV[4..3+n] their TTLs, then four per cell: the KEYS
 * indexes of its buckets, dims id, dims JSON, and its fields as `name value name value`.
 * A batch applies once: its marker (SET NX) refuses a batch sent again after a timeout.
 */
export const RECORD_ANALYTICS = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local n = tonumber(ARGV[3])
local i = 4 + n
while i <= #ARGV do
  local id = ARGV[i + 1]
  redis.call('HSETNX', KEYS[1], id, ARGV[i + 2])
  for k in string.gmatch(ARGV[i], '%d+') do
    local key = KEYS[tonumber(k)]
    for f, v in string.gmatch(ARGV[i + 3], '(%S+) (%S+)') do
      redis.call('HINCRBY', key, id .. ':' .. f, v)
    end
  end
  i = i + 4
end
for k = 1, n do redis.call('PEXPIRE', KEYS[2 + k], ARGV[3 + k]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS[1] dims, KEYS[2..] bucket keys. Returns each bucket's fields (HGETALL), then the dims ids
 * met and their dimensions.
 */
export const READ_ANALYTICS = `
local out, ids, seen = {}, {}, {}
for k = 2, #KEYS do
  local flat = redis.call('HGETALL', KEYS[k])
  out[#out + 1] = flat
  for j = 1, #flat, 2 do
    local id = string.match(flat[j], '^([^:]+):')
    if id and not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
end
local dims = {}
for j = 1, #ids, 500 do
  local chunk = {}
  for m = j, math.min(j + 499, #ids) do chunk[#chunk + 1] = ids[m] end
  local values = redis.call('HMGET', KEYS[1], unpack(chunk))
  for _, v in ipairs(values) do dims[#dims + 1] = v or '' end
end
out[#out + 1] = ids
out[#out + 1] = dims
return out
`;
