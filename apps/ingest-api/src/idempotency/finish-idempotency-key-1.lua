-- Ends this attempt's hold on an idempotency key: "done" keeps its answer for every retry to get,
-- "open" lets the next attempt take over (nothing was promised; the first attempt's time is kept).
-- KEYS[1]  the key's record
-- ARGV[1]  this attempt's token
-- ARGV[2]  "done" or "open"
-- ARGV[3]  the answer's status, headers (JSON) and body, with "done"
-- Returns 1, or 0 if the key is no longer this attempt's (it held it past its lock).
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
if ARGV[2] == 'done' then
  redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[3], 'headers', ARGV[4], 'body', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'state', 'open', 'locked_until', '0')
end
return 1
