/**
 * The one Redis script behind every limit (see limiter.ts). Every key of a call is judged first and
 * written after, inside one script, so a call is atomic whatever runs concurrently: with 'take' the
 * units every key admits are spent on all of them, and a refused unit is written nowhere.
 *
 * KEYS: the limits' keys. ARGV[1]: 'take' (the first units every key admits, the rest refused),
 * 'count' (every key counts every unit, admitted or not) or 'give' (units back). ARGV[2]: units (a
 * 'take' of several units is several callers' takes judged in order, limiter.ts). Then three values
 * per key:
 *   'r', interval ms, burst  -- GCRA: the key holds its theoretical arrival time (TAT, ms); a unit
 *                               moves it one interval on, admitted while it stays within
 *                               interval * burst of now. The key expires when fully refilled.
 *   'w', max, window ms      -- fixed window: the key holds the count, expiring when the window
 *                               opened by its first unit ends.
 * Returns the units admitted, then per key the ms until it would admit the first unit refused (0 when
 * it would admit it now, or when every unit was admitted; else at least 1).
 * Redis's clock (TIME) is the only clock, so replicas agree.
 */
export const LIMITER_SCRIPT = `
local op, units = ARGV[1], tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local kinds, as, bs, helds, bases = {}, {}, {}, {}, {}
local fit = units
for i, key in ipairs(KEYS) do
  local kind, a, b = ARGV[3 * i], tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local held = tonumber(redis.call('GET', key)) or 0
  kinds[i], as[i], bs[i], helds[i] = kind, a, b, held
  if op == 'give' then
    if kind == 'r' then
      local tat = held - a * units
      if tat <= now then redis.call('DEL', key)
      else redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now)) end
    elseif held > 0 then
      redis.call('DECRBY', key, math.min(units, held))
    end
  elseif kind == 'r' then
    local base = math.max(held, now)
    bases[i] = base
    local k = 0
    while k < fit and base + (k + 1) * a - a * b - now <= 0 do k = k + 1 end
    fit = k
  else
    fit = math.max(0, math.min(fit, a - held))
  end
end
if op == 'give' then return {0} end
local answer = {fit}
for i, key in ipairs(KEYS) do
  local wait = 0
  if fit < units then
    if kinds[i] == 'r' then
      wait = bases[i] + (fit + 1) * as[i] - as[i] * bs[i] - now
    elseif helds[i] + fit >= as[i] then
      wait = redis.call('PTTL', key)
      if wait <= 0 then wait = bs[i] end
    end
  end
  if wait > 0 then answer[i + 1] = math.max(math.ceil(wait), 1) else answer[i + 1] = 0 end
end
local spend = fit
if op == 'count' then spend = units end
if spend == 0 then return answer end
for i, key in ipairs(KEYS) do
  if kinds[i] == 'r' then
    -- At least 1 ms: an interval below the clock's precision (a huge rate) must not ask PX 0.
    local tat = bases[i] + spend * as[i]
    redis.call('SET', key, string.format('%.3f', tat), 'PX', math.max(math.ceil(tat - now), 1))
  elseif redis.call('INCRBY', key, spend) == spend or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, bs[i])
  end
end
return answer`;
