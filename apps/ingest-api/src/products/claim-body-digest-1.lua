-- Claims a body's digest for one upload, or says why it cannot.
-- KEYS[1]  the digest's key
-- ARGV[1]  the window in ms: how long an accepted body refuses its twins
-- ARGV[2]  this upload's token
-- ARGV[3]  how long a pending claim lives if its upload never finishes, in ms
-- ARGV[4]  now in ms, or "" for Redis's own clock (production: one clock for every ingest process)
-- Returns {"claimed", now} | {"refused", acceptedAt} | {"pending", claimedAt}
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local record = redis.call('HMGET', KEYS[1], 'state', 'at')
-- At exactly acceptedAt + window the body is accepted again: strict <.
if record[1] == 'accepted' and now - tonumber(record[2]) < tonumber(ARGV[1]) then
  return {'refused', record[2]}
end
if record[1] == 'pending' then
  return {'pending', record[2]}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'pending', 'at', tostring(now), 'token', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'claimed', tostring(now)}
