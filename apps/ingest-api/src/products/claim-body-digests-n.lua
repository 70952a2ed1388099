-- Claims the digests of a group of bodies at once, numbering and marking each one claimed: the
-- claim, number and pending-mark scripts' work for many uploads in one call, for a single Redis
-- (not a cluster, where these keys live in different slots). Everything is read before anything is
-- written, so a failing read (a key of the wrong type) leaves no trace.
-- KEYS[1]      the acceptance number's key
-- KEYS[2i]     upload i's digest key; KEYS[2i+1] its pending mark's key
-- ARGV[1]      the window in ms: how long an accepted body refuses its twins
-- ARGV[2]      how long a pending claim lives if its upload never finishes, in ms
-- ARGV[3]      now in ms, or "" for Redis's own clock (production: one clock for every ingest process)
-- ARGV[4]      how long a pending mark lives, in ms
-- ARGV[3+2i]   upload i's token (its id); ARGV[4+2i] its products, or "" to set no pending mark
-- Returns, per upload: {"claimed", now, number} | {"refused", acceptedAt} | {"pending", claimedAt}.
-- Of uploads with the same digest in one group, the first is claimed and the others find it pending.
local t = redis.call('TIME')
local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = tonumber(ARGV[3])
if not now then
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local at = tostring(now)
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = (#KEYS - 1) / 2
local records = {}
for i = 1, n do
  records[i] = redis.call('HMGET', KEYS[2 * i], 'state', 'at')
end
local window = tonumber(ARGV[1])
local taken = {}
local replies = {}
for i = 1, n do
  local key = KEYS[2 * i]
  local record = records[i]
  if taken[key] then
    replies[i] = {'pending', at}
  -- At exactly acceptedAt + window the body is accepted again: strict <.
  elseif record[1] == 'accepted' and now - tonumber(record[2]) < window then
    replies[i] = {'refused', record[2]}
  elseif record[1] == 'pending' then
    replies[i] = {'pending', record[2]}
  else
    taken[key] = true
    -- One more than the last number, and never below Redis's clock in microseconds (number-acceptance-1.lua).
    last = math.max(last + 1, micros)
    redis.call('DEL', key)
    redis.call('HSET', key, 'state', 'pending', 'at', at, 'token', ARGV[3 + 2 * i])
    redis.call('PEXPIRE', key, ARGV[2])
    local products = ARGV[4 + 2 * i]
    if products ~= '' then
      redis.call('SET', KEYS[2 * i + 1], '{"products":' .. products .. ',"acceptedAt":' .. at .. '}', 'PX', ARGV[4])
    end
    replies[i] = {'claimed', at, last}
  end
end
if next(taken) then
  redis.call('SET', KEYS[1], string.format('%.0f', last))
end
return replies
