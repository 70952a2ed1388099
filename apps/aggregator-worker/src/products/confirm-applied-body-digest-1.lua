-- Starts the window of an upload a worker has just applied, when ingest could not: its confirm was lost
-- (Redis paused or restarted between the job and the confirm), so its claim is still pending and would
-- expire, and the same body would be accepted again inside the window. A claim still pending for this
-- upload becomes accepted, its window counted from the claim's time, as ingest's confirm does; any other
-- record (accepted already, another upload's, gone) is left as it is.
-- KEYS[1]  the digest's key
-- ARGV[1]  the upload's id (the token its claim recorded)
-- ARGV[2]  the window in ms
-- Returns 1 if this call started the window, 0 otherwise.
local record = redis.call('HMGET', KEYS[1], 'state', 'at', 'token')
if record[1] ~= 'pending' or record[3] ~= ARGV[1] then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'state', 'accepted')
local remaining = tonumber(record[2]) + tonumber(ARGV[2]) - now
redis.call('PEXPIRE', KEYS[1], math.max(remaining, 0) + 1000)
return 1
