/**
 * The store's Lua scripts (src/store/store.ts runs them). Every key a script touches belongs
 * to one province and shares its hash tag, so each script keeps to one slot on Redis Cluster.
 */

/**
 * A stored value's updatedAt in whole seconds, for any value: `storedVersion` in
 * src/store/pack.ts, the same rule (a signed base-36 integer after "~", a signed decimal one
 * otherwise, at most 10 digits, then "|"; anything else is older than any record). A version
 * after LATEST (ARGV[2], the bound `Store.latestVersion` read when the script is sent: now +
 * the clock skew) is older than any record too, so a time in the future stored before the
 * normaliser refused it does not hold its code forever. The bound comes as an argument: the
 * script stays deterministic.
 */
const VERSION_FN = `
local UNREADABLE, LATEST = -math.huge, tonumber(ARGV[2])
local function version(v)
  local sign, digits, base
  if string.byte(v, 1) == 126 then
    sign, digits = string.match(v, '^~(%-?)([0-9a-z]+)|')
    base = 36
  else
    sign, digits = string.match(v, '^(%-?)([0-9]+)|')
    base = 10
  end
  if digits == nil or #digits > 10 then return UNREADABLE end
  local n = tonumber(digits, base)
  if n == nil then return UNREADABLE end
  if sign == '-' then n = -n end
  if n > LATEST then return UNREADABLE end
  return n
end
`;

/**
 * The dossier layout (src/store/layout.ts) in Lua, a bucket at a time. Records come grouped by
 * bucket (computed by `placeOf` in TypeScript): the bucket ('' for the codes of another shape,
 * whose field is the code), the code month, and per record its field behind a flag ('1': kept
 * in the open twin; '3' and a `YYYYMM` month: kept in the closed twin, listed under that month;
 * '2': kept in the bucket, received on its month's first or last day, so the bucket is one of
 * the month's edge buckets; '0': kept in the bucket) and its packed value. Keys are built from the province's
 * layout prefix `L` (ARGV[1]); ARGV[2] is the version rule's bound (VERSION_FN). `legacy` is
 * the hash of the layout before buckets, read while it exists and emptied as its records are met.
 *
 * `applyBucket` looks up the bucket's fields with one HMGET per kind, plays its records in
 * order (each applied only when newer than the stored version or the one played before it),
 * then writes what changed with one HSET per kind and one HDEL per kind left; the sets of
 * buckets are added to once per script in `flush`. Few tables per bucket and none per record:
 * a page's apply is mostly this script's own work in Redis. A code month new to the layout's
 * months is listed among the edge months (`:edge-months`): its edge list (`:be:<YYMM>`) is then
 * complete, every bucket of it being written here. Likewise a layout with no open twin listed
 * yet is marked as having none to split (`closed-twins` in its meta): a store written by this
 * version is never read for `splitClosedTwins`.
 */
const LAYOUT_FN = `
${VERSION_FN}
local L, legacy = ARGV[1], KEYS[1]
local ODD, OPEN_BUCKETS, hasLegacy = L .. ':odd', L .. ':open-buckets', redis.call('EXISTS', legacy) == 1
local added = 0
-- the newest version applied here, and its code (the layout's newest mark, src/store/newest.ts)
local newest, newestCode
-- buckets that now hold open dossiers; per code month, buckets that now hold dossiers, and
-- buckets that now hold a dossier received on the month's first or last day; per month, the
-- buckets whose closed twin now holds a dossier that can count up to that month
local opened, homed, edged, closed = {}, {}, {}, {}
local function each(cmd, key, list)
  for i = 1, #list, 500 do redis.call(cmd, key, unpack(list, i, math.min(i + 499, #list))) end
end
local function codeOf(bucket, field)
  if bucket == '' then return field end
  return (string.gsub(bucket, ':', '-')) .. field
end
-- the stored value of each field (a field may come twice) and where it is: its bucket (b), its
-- open twin (o), its closed twin (c), the hash of codes of another shape (x), the layout before buckets (l);
-- a bucket holds at most 100 fields, the hash of other codes is asked 500 at a time
local function lookup(bucket, fields, bkey, okey, ckey)
  local value, at = {}, {}
  for i = 1, #fields, 500 do
    local last = math.min(i + 499, #fields)
    if bucket == '' then
      local v = redis.call('HMGET', ODD, unpack(fields, i, last))
      for k = i, last do
        local x = v[k - i + 1]
        if x then value[fields[k]] = x; at[fields[k]] = 'x' end
      end
    else
      local home = redis.call('HMGET', bkey, unpack(fields, i, last))
      local open = redis.call('HMGET', okey, unpack(fields, i, last))
      local rest = {}
      for k = i, last do
        local f, n = fields[k], k - i + 1
        if home[n] then value[f] = home[n]; at[f] = 'b'
        elseif open[n] then value[f] = open[n]; at[f] = 'o'
        else rest[#rest + 1] = f end
      end
      -- the closed twin asked only for what neither holds (a new code, or one closed)
      if #rest > 0 then
        local shut = redis.call('HMGET', ckey, unpack(rest))
        for n, f in ipairs(rest) do
          if shut[n] then value[f] = shut[n]; at[f] = 'c' end
        end
      end
    end
  end
  if hasLegacy then
    for _, f in ipairs(fields) do
      if not value[f] then
        local v = redis.call('HGET', legacy, codeOf(bucket, f))
        if v then value[f] = v; at[f] = 'l' end
      end
    end
  end
  return value, at
end
-- plays records (flagged fields and values, in order) into one bucket; returns how many applied
local function applyBucket(bucket, month, fields, values)
  local bkey, okey, ckey = L .. ':b:' .. bucket, L .. ':o:' .. bucket, L .. ':c:' .. bucket
  local names, untils = {}, {}
  for i, f in ipairs(fields) do
    if string.byte(f, 1) == 51 then untils[i] = string.sub(f, 2, 7); names[i] = string.sub(f, 8)
    else names[i] = string.sub(f, 2) end
  end
  local was, wasAt = lookup(bucket, names, bkey, okey, ckey)
  local now, nowAt, nowEdge, nowUntil, order, applied = {}, {}, {}, {}, {}, 0
  for i, name in ipairs(names) do
    local last = now[name] or was[name]
    local v = version(values[i])
    if not last or v > version(last) then
      if not now[name] then order[#order + 1] = name end
      if not newest or v > newest then newest = v; newestCode = codeOf(bucket, name) end
      local flag = string.byte(fields[i], 1)
      now[name] = values[i]
      nowAt[name] = bucket == '' and 'x' or (flag == 49 and 'o' or (flag == 51 and 'c' or 'b'))
      nowEdge[name] = bucket ~= '' and flag == 50
      nowUntil[name] = untils[i]
      applied = applied + 1
    end
  end
  if applied == 0 then return 0 end
  local put = {b = {}, o = {}, c = {}, x = {}}
  local drop = {b = {}, o = {}, c = {}, l = {}}
  local edge = false
  for _, name in ipairs(order) do
    edge = edge or nowEdge[name]
    local u = nowAt[name] == 'c' and nowUntil[name]
    if u then
      local m = closed[u]
      if not m then m = {}; closed[u] = m end
      m[#m + 1] = bucket
    end
    local p, w = put[nowAt[name]], wasAt[name]
    p[#p + 1] = name
    p[#p + 1] = now[name]
    -- a record met in the layout before buckets moves into the layout's count
    if not w or w == 'l' then added = added + 1 end
    if w == 'l' then drop.l[#drop.l + 1] = codeOf(bucket, name)
    elseif w and w ~= nowAt[name] then drop[w][#drop[w] + 1] = name end
  end
  if #put.x > 0 then each('HSET', ODD, put.x) end
  if #put.b > 0 then redis.call('HSET', bkey, unpack(put.b)) end
  if #put.o > 0 then redis.call('HSET', okey, unpack(put.o)) end
  if #put.c > 0 then redis.call('HSET', ckey, unpack(put.c)) end
  if #drop.b > 0 then redis.call('HDEL', bkey, unpack(drop.b)) end
  if #drop.o > 0 then redis.call('HDEL', okey, unpack(drop.o)) end
  if #drop.c > 0 then redis.call('HDEL', ckey, unpack(drop.c)) end
  if #drop.l > 0 then each('HDEL', legacy, drop.l) end
  if #put.o > 0 then opened[#opened + 1] = bucket
  -- an open bucket emptied leaves the list every count reads
  elseif #drop.o > 0 and redis.call('EXISTS', okey) == 0 then redis.call('SREM', OPEN_BUCKETS, bucket) end
  if #put.b > 0 then
    local m = homed[month]
    if not m then m = {}; homed[month] = m end
    m[#m + 1] = bucket
  end
  if edge then
    local m = edged[month]
    if not m then m = {}; edged[month] = m end
    m[#m + 1] = bucket
  end
  return applied
end
-- the records (bucket, month, flagged field, value) of a list, grouped by bucket in order
local function applyAll(list)
  local groups, order = {}, {}
  for _, r in ipairs(list) do
    local g = groups[r[1]]
    if not g then g = {month = r[2], fields = {}, values = {}}; groups[r[1]] = g; order[#order + 1] = r[1] end
    g.fields[#g.fields + 1] = r[3]
    g.values[#g.values + 1] = r[4]
  end
  local applied = 0
  for _, bucket in ipairs(order) do
    local g = groups[bucket]
    applied = applied + applyBucket(bucket, g.month, g.fields, g.values)
  end
  return applied
end
-- the sets of buckets and the count of stored dossiers, once per script
local function flush()
  local META = L .. ':meta'
  -- no open twin listed before this script: none holds a closed dossier to move (splitClosedTwins)
  if redis.call('EXISTS', OPEN_BUCKETS) == 0 then redis.call('HSETNX', META, 'closed-twins', '1') end
  -- nothing stored before this script: the newest mark is the newest of every stored dossier
  if redis.call('HEXISTS', META, 'dossiers') == 0 and not hasLegacy then redis.call('HSETNX', META, 'newest-known', '1') end
  if newest then
    local cur = redis.call('HGET', META, 'newest')
    local was = cur and tonumber(string.match(cur, '^(-?%d+)|'))
    if not was or newest > was then redis.call('HSET', META, 'newest', string.format('%d|%s', newest, newestCode)) end
  end
  each('SADD', OPEN_BUCKETS, opened)
  for month, buckets in pairs(edged) do each('SADD', L .. ':be:' .. month, buckets) end
  for month, buckets in pairs(closed) do
    each('SADD', L .. ':cm:' .. month, buckets)
    redis.call('SADD', L .. ':close-months', month)
  end
  for month, buckets in pairs(homed) do
    each('SADD', L .. ':bm:' .. month, buckets)
    if redis.call('SADD', L .. ':months', month) == 1 then redis.call('SADD', L .. ':edge-months', month) end
  end
  if added > 0 then redis.call('HINCRBY', META, 'dossiers', added) end
end
`;

/**
 * A page: ARGV[1] the layout prefix, [2] the version rule's bound, [3] the page's checkpoint,
 * [4] the checkpoint it follows, [5] its number of records, [6] its number of buckets; then
 * per bucket: the bucket, its code month, its number of records, and per record its flagged
 * field and packed value; then per quarantined item: its key, its reason and its entry.
 */
export const APPLY_PAGE = `
local cp, stats, qitems, qreasons = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- Each page carries its own checkpoint: finding it already stored means this very page was
-- applied (a command sent again after a lost reply), and it must not count twice.
local stored = redis.call('GET', cp)
if stored == ARGV[3] then return {0, 0, 0} end
-- The checkpoint the page follows ('' when not checked, '-' for none, '=' and the stored text):
-- another one stored means earlier pages were lost (a failover) or applied by someone else.
local after = ARGV[4]
if after == '-' and stored or after ~= '' and after ~= '-' and stored ~= string.sub(after, 2) then return {-1, 0, 0} end
local n = tonumber(ARGV[5])
${LAYOUT_FN}
-- a bucket's records in page order: a later record of the same code compares with the earlier one
local applied = 0
local j = 7
for _ = 1, tonumber(ARGV[6]) do
  local bucket, month, k = ARGV[j], ARGV[j + 1], tonumber(ARGV[j + 2])
  local fields, values = {}, {}
  for i = 1, k do
    fields[i] = ARGV[j + 1 + 2 * i]
    values[i] = ARGV[j + 2 + 2 * i]
  end
  applied = applied + applyBucket(bucket, month, fields, values)
  j = j + 3 + 2 * k
end
local unchanged = n - applied
local q = 0
for i = j, #ARGV, 3 do
  if redis.call('HSETNX', qitems, ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('HINCRBY', qreasons, ARGV[i + 1], 1)
  end
  q = q + 1
end
flush()
redis.call('SET', cp, ARGV[3])
redis.call('HINCRBY', stats, 'pulled', n + q)
redis.call('HINCRBY', stats, 'applied', applied)
redis.call('HINCRBY', stats, 'unchanged', unchanged)
redis.call('HINCRBY', stats, 'quarantined', q)
redis.call('HINCRBY', stats, 'pages', 1)
return {applied, unchanged, q}
`;

/**
 * Releases quarantined items that now normalise (ARGV after the prefix and the bound: key,
 * reason, bucket, month, flagged field, packed value): each leaves the quarantine (its
 * reason's count goes down) and its record is applied under the same rule as a page's. An
 * item no longer in the quarantine (released already) changes nothing.
 */
export const RELEASE_QUARANTINED = `
local qitems, qreasons = KEYS[2], KEYS[3]
${LAYOUT_FN}
local released, list = 0, {}
for j = 3, #ARGV, 6 do
  if redis.call('HDEL', qitems, ARGV[j]) == 1 then
    released = released + 1
    if redis.call('HINCRBY', qreasons, ARGV[j + 1], -1) <= 0 then redis.call('HDEL', qreasons, ARGV[j + 1]) end
    list[#list + 1] = {ARGV[j + 2], ARGV[j + 3], ARGV[j + 4], ARGV[j + 5]}
  end
end
local applied = applyAll(list)
flush()
return {applied, released - applied, released}
`;

/**
 * The stored values of codes (false where absent), given their places: ARGV after the prefix
 * and the bound (unused here), each code's bucket and field.
 */
export const LOOKUP = `
${LAYOUT_FN}
local out = {}
for j = 3, #ARGV, 2 do
  local bucket = ARGV[j]
  local v = lookup(bucket, {ARGV[j + 1]}, L .. ':b:' .. bucket, L .. ':o:' .. bucket, L .. ':c:' .. bucket)[ARGV[j + 1]]
  out[#out + 1] = v or false
end
return out
`;

/**
 * Moves records of the layout before buckets into the buckets (ARGV after the prefix and the
 * bound: code, bucket, month, flagged field), each under the version rule against what the buckets already hold. A code
 * no longer in the old hash (moved already) changes nothing.
 */
export const MIGRATE = `
${LAYOUT_FN}
local moved, list = 0, {}
for j = 3, #ARGV, 4 do
  local rec = redis.call('HGET', legacy, ARGV[j])
  if rec then
    redis.call('HDEL', legacy, ARGV[j])
    list[#list + 1] = {ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], rec}
    moved = moved + 1
  end
end
applyAll(list)
flush()
return moved
`;

/**
 * Moves dossiers that open twins kept from before the closed twins into their closed twins
 * (ARGV after the prefix and the bound, unused: bucket, `until` month, field, value), each only
 * while its open twin still holds that very value (a page applied meanwhile has placed it
 * already); an open twin emptied leaves the open buckets. Returns how many moved.
 */
export const SPLIT_CLOSED = `
${LAYOUT_FN}
local moved = 0
for j = 3, #ARGV, 4 do
  local bucket, upto, field, value = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
  local okey = L .. ':o:' .. bucket
  if redis.call('HGET', okey, field) == value then
    redis.call('HDEL', okey, field)
    redis.call('HSET', L .. ':c:' .. bucket, field, value)
    local m = closed[upto]
    if not m then m = {}; closed[upto] = m end
    m[#m + 1] = bucket
    if redis.call('EXISTS', okey) == 0 then redis.call('SREM', OPEN_BUCKETS, bucket) end
    moved = moved + 1
  end
end
flush()
return moved
`;

/**
 * Whole buckets (ARGV after the command, HGETALL or HVALS, and the prefix of their kind,
 * `<layout>:b`, `<layout>:o` or `<layout>:c`): for each, what the command gives joined by newlines into one
 * string, and how many entries that is (see scanHash in src/store/steps.ts on the newline
 * rule). KEYS[1] is any key of the province (its hash tag sends the script to the node that
 * holds the buckets on a cluster).
 */
export const READ_BUCKETS = `
local out = {}
for j = 3, #ARGV do
  local r = redis.call(ARGV[1], ARGV[2] .. ':' .. ARGV[j])
  out[#out + 1] = table.concat(r, '\\n')
  out[#out + 1] = #r
end
return out
`;

/**
 * One HSCAN step, its entries joined by newlines into one string (codes and packed values hold
 * no newline as a rule: see scanDossiers), with how many entries that is. One reply string
 * per step instead of two per dossier is what makes scanning a million dossiers cheap.
 */
export const SCAN_JOINED = `
local r = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
return {r[1], table.concat(r[2], '\\n'), #r[2]}
`;
