-- Starts the windows of uploads a worker has just applied, when ingest could not: its confirm was lost
-- (Redis paused or restarted between the job and the confirm), so the claim is still pending and would
-- expire, and the same body would be accepted again inside the window. A claim still pending for its
-- upload becomes accepted, its window counted from the claim's time, as ingest's confirm does; any other
-- record (accepted already, another upload's, gone) is left as it is. On a single Redis one call takes a
-- batch's uploads; in a cluster (each digest in a slot of its own) one call takes one.
-- KEYS[i]    upload i's digest key
-- ARGV[1]    the window in ms
-- ARGV[1+i]  upload i's id (the token its claim recorded)
-- Returns how many windows this call started.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local started = 0
for i = 1, #KEYS do
  local record = redis.call('HMGET', KEYS[i], 'state', 'at', 'token')
  if record[1] == 'pending' and record[3] == ARGV[1 + i] then
    redis.call('HSET', KEYS[i], 'state', 'accepted')
    local remaining = tonumber(record[2]) + tonumber(ARGV[1]) - now
    redis.call('PEXPIRE', KEYS[i], math.max(remaining, 0) + 1000)
    started = started + 1
  end
end
return started
