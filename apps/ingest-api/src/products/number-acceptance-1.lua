-- Numbers an upload as it is accepted: the order every products upload, fast or staged, is applied in
-- ("a later accepted body wins"). One more than the last number, and never below Redis's clock in
-- microseconds, so a Redis that lost the key (restored from an older file) still numbers after every
-- upload it numbered before, and the numbers stay above those of Postgres's former sequence.
-- KEYS[1]  the acceptance number's key
-- Returns the number (below 2^53 until the year 2255: exact as a Lua and a JavaScript number).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local number = math.max(last + 1, now)
redis.call('SET', KEYS[1], string.format('%.0f', number))
return number
