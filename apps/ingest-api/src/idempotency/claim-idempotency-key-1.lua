-- Claims an idempotency key for one attempt at a request, or says what to answer instead.
-- KEYS[1]  the key's record (a hash)
-- ARGV[1]  the request's fingerprint: a hash of its method, path and body
-- ARGV[2]  this attempt's token
-- ARGV[3]  how long an attempt holds the key before another may take over, in ms
-- ARGV[4]  how long the record lives, in ms (IDEMPOTENCY_TTL_MS)
-- ARGV[5]  now in ms, or "" for Redis's own clock (production: one clock for every ingest process)
-- ARGV[6]  this attempt's products upload id, or ""
-- Returns {"claimed", firstAt, previousUpload} | {"mismatch"} | {"in-flight", lockedUntil}
--       | {"done", status, headers, body}
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local lockedUntil = tostring(now + tonumber(ARGV[3]))
local r = redis.call('HMGET', KEYS[1], 'fingerprint', 'state', 'at', 'locked_until', 'status', 'headers', 'body', 'upload')
if not r[1] then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'state', 'pending', 'at', tostring(now), 'token', ARGV[2], 'locked_until', lockedUntil, 'upload', ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'claimed', tostring(now), ''}
end
if r[1] ~= ARGV[1] then
  return {'mismatch'}
end
if r[2] == 'done' then
  return {'done', r[5], r[6], r[7]}
end
if r[2] == 'pending' and tonumber(r[4]) > now then
  return {'in-flight', r[4]}
end
-- Open again (an earlier attempt answered something that promised nothing), or pending with its
-- holder gone: take over, keeping the first attempt's time, which the job ids are derived from.
redis.call('HSET', KEYS[1], 'state', 'pending', 'token', ARGV[2], 'locked_until', lockedUntil, 'upload', ARGV[6])
return {'claimed', r[3], r[8] or ''}
