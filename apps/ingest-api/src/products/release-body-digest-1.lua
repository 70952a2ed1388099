-- Drops this upload's pending claim: its body was not accepted after all, so it must not block a retry.
-- KEYS[1]  the digest's key
-- ARGV[1]  this upload's token
-- Returns 1 if released, 0 if the claim was not (or no longer) this upload's pending one.
local record = redis.call('HMGET', KEYS[1], 'state', 'token')
if record[1] == 'pending' and record[2] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
