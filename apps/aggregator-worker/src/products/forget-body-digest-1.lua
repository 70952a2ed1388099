-- Forgets an accepted body's digest so that the same body is accepted again: its upload could not be
-- applied, and the client must be able to resend it. Only the record of this upload goes: a later
-- upload of the same body (after its window) keeps its own.
-- KEYS[1]  the digest's key
-- ARGV[1]  the upload's id (the token its claim recorded)
-- Returns 1 if forgotten, 0 if the record was not (or no longer) this upload's.
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
