/**
 * The one Redis script behind every limit (see limiter.ts). Every key of a call is judged first and
 * written after, inside one script, so a call is atomic whatever runs concurrently: with 'take'
 * either every key admits the unit and all of them spend it, or nothing is written.
 *
 * KEYS: the limits' keys. ARGV[1]: 'take' (all or none), 'count' (every key counts the unit, refused
 * or not) or 'give' (one unit back). Then three values per key:
 *   'r', interval ms, burst  -- GCRA: the key holds its theoretical arrival time (TAT, ms); a unit
 *                               moves it one interval on, admitted while it stays within
 *                               interval * burst of now. The key expires when fully refilled.
 *   'w', max, window ms      -- fixed window: the key holds the count, expiring when the window
 *                               opened by its first unit ends.
 * Returns, per key, 0 when it admits the unit, else the ms until it would (at least 1).
 * Redis's clock (TIME) is the only clock, so replicas agree.
 */
export const LIMITER_SCRIPT = `
local op = ARGV[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local waits, next_tats = {}, {}
local refused = false
for i, key in ipairs(KEYS) do
  local kind, a, b = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local held = tonumber(redis.call('GET', key)) or 0
  local wait = 0
  if op == 'give' then
    if kind == 'r' then
      local tat = held - a
      if tat <= now then redis.call('DEL', key)
      else redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now)) end
    elseif held > 0 then
      redis.call('DECR', key)
    end
  elseif kind == 'r' then
    local tat = math.max(held, now) + a
    next_tats[i] = tat
    wait = tat - a * b - now
  elseif held >= a then
    wait = redis.call('PTTL', key)
    if wait <= 0 then wait = b end
  end
  if wait > 0 then
    refused = true
    waits[i] = math.max(math.ceil(wait), 1)
  else
    waits[i] = 0
  end
end
if op == 'give' or (op == 'take' and refused) then return waits end
for i, key in ipairs(KEYS) do
  if ARGV[3 * i - 1] == 'r' then
    -- At least 1 ms: an interval below the clock's precision (a huge rate) must not ask PX 0.
    local tat = next_tats[i]
    redis.call('SET', key, string.format('%.3f', tat), 'PX', math.max(math.ceil(tat - now), 1))
  elseif redis.call('INCR', key) == 1 or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[3 * i + 1])
  end
end
return waits`;
