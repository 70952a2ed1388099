-- Turns this upload's pending claim into an accepted one, whose window starts at the claim's time
-- and whose key outlives the window a little (the comparison in the claim script decides, not expiry).
-- KEYS[1]  the digest's key
-- ARGV[1]  this upload's token
-- ARGV[2]  the window in ms
-- ARGV[3]  now in ms, or "" for Redis's own clock
-- Returns 1, or 0 if the claim is no longer this upload's (it expired while pending).
local record = redis.call('HMGET', KEYS[1], 'state', 'at', 'token')
if record[1] ~= 'pending' or record[3] ~= ARGV[1] then
  return 0
end
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('HSET', KEYS[1], 'state', 'accepted')
local remaining = tonumber(record[2]) + tonumber(ARGV[2]) - now
redis.call('PEXPIRE', KEYS[1], math.max(remaining, 0) + 1000)
return 1
