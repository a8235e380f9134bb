/**
 * The Redis side of the cache rules, one atomic script per operation. Every
 * key a script touches is passed in KEYS and shares the thread's hash tag.
 *
 * Per thread: meta hash {g: generation, n: nonce}; entry and latest hashes
 * {n: nonce, e: epoch, i: checkpoint id, t: tuple bytes}. An entry is valid
 * only while its nonce is the thread's (a thread-wide invalidation replaces
 * the nonce; an evicted meta takes the nonce with it) and its epoch is the
 * cache's (see redis-cache.ts). A fill is applied only if the generation
 * is still the one read before storage was asked; every invalidation bumps it.
 */

/** KEYS meta, entry|latest. ARGV nonce-if-new, ttl. Returns {g, n, entry n, entry e, entry t}. */
export const readScript = `
local n = redis.call('HGET', KEYS[1], 'n')
local g = '0'
if not n then
  n = ARGV[1]
  redis.call('HSET', KEYS[1], 'n', n, 'g', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[2])
else
  g = redis.call('HGET', KEYS[1], 'g') or '0'
end
local e = redis.call('HMGET', KEYS[2], 'n', 'e', 't')
return {g, n, e[1] or '', e[2] or '', e[3] or ''}
`;

/** KEYS meta, entry, latest. ARGV g, n, epoch, id, bytes, asLatest, ttl. Returns 1 if stored, 0 if refused. */
export const fillScript = `
if redis.call('HGET', KEYS[1], 'n') ~= ARGV[2] or (redis.call('HGET', KEYS[1], 'g') or '0') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], 'n', ARGV[2], 'e', ARGV[3], 'i', ARGV[4], 't', ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[7])
if ARGV[6] == '1' then
  local cur = redis.call('HMGET', KEYS[3], 'n', 'e', 'i')
  if cur[1] ~= ARGV[2] or cur[2] ~= ARGV[3] or not cur[3] or cur[3] <= ARGV[4] then
    redis.call('HSET', KEYS[3], 'n', ARGV[2], 'e', ARGV[3], 'i', ARGV[4], 't', ARGV[5])
    redis.call('EXPIRE', KEYS[3], ARGV[7])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[7])
return 1
`;

/**
 * After a Put or PutWrites of one checkpoint committed. KEYS meta, entry, latest. ARGV id.
 * Bumps the generation, drops the entry, and drops latest unless it is a newer checkpoint
 * (then returns 2: a late Put never moves latest back).
 */
export const invalidateCheckpointScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'g', 1)
end
redis.call('DEL', KEYS[2])
local cur = redis.call('HGET', KEYS[3], 'i')
if cur and cur > ARGV[1] then
  return 2
end
redis.call('DEL', KEYS[3])
return 1
`;

/** KEYS meta. ARGV new nonce, ttl. Every entry of the thread is invalid afterwards. */
export const invalidateScript = `
redis.call('HSET', KEYS[1], 'n', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'g', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;
