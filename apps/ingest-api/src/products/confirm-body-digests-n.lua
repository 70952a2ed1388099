-- confirm-body-digest-1.lua for a group of uploads at once, on a single Redis (not a cluster).
-- KEYS[i]      upload i's digest key
-- ARGV[1]      the window in ms
-- ARGV[2]      now in ms, or "" for Redis's own clock
-- ARGV[2+i]    upload i's token
-- Returns, per upload, 1, or 0 if the claim is no longer this upload's (it expired while pending).
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local replies = {}
for i = 1, #KEYS do
  local record = redis.call('HMGET', KEYS[i], 'state', 'at', 'token')
  if record[1] ~= 'pending' or record[3] ~= ARGV[2 + i] then
    replies[i] = 0
  else
    redis.call('HSET', KEYS[i], 'state', 'accepted')
    local remaining = tonumber(record[2]) + tonumber(ARGV[1]) - now
    redis.call('PEXPIRE', KEYS[i], math.max(remaining, 0) + 1000)
    replies[i] = 1
  end
end
return replies
