"""The Lua scripts of RedisStore: every check-and-write that must be atomic.

Redis runs a script with nothing else in between, so a seat check and its
write, or a compaction's snapshot and trim, happen together across every
process. The seat scripts read participant hashes by a key prefix they are
given, which a single Redis (or a replica set) allows and Redis Cluster
does not.
"""

from __future__ import annotations

# Shared by the seat scripts: Participant.holds_seat on the fields HMGET returns
# (false when absent), and the seats a room's other participants hold.
SEAT_RULES = """
local function holds_seat(created, connected, left, lapse_before)
  if left then return false end
  return connected ~= false or tonumber(created) >= lapse_before
end
local function seats_taken(ids_key, hash_prefix, room_id, except_id, lapse_before)
  local n = 0
  for _, id in ipairs(redis.call('SMEMBERS', ids_key)) do
    if id ~= except_id then
      local f = redis.call('HMGET', hash_prefix .. id, 'room_id', 'created', 'connected', 'left')
      if f[1] == room_id and holds_seat(f[2], f[3], f[4], lapse_before) then n = n + 1 end
    end
  end
  return n
end
"""
# Shared by "seat" and "seat_emptiest": write the participant of KEYS and ARGV
# into a room; false (writing nothing) if its id belongs to another workshop.
WRITE_PARTICIPANT = """
local function write_participant(room_id)
  local owner = redis.call('GET', KEYS[3])
  if owner and owner ~= ARGV[1] then return false end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'workshop_id', ARGV[1], 'room_id', room_id,
    'name', ARGV[4], 'created', ARGV[5])
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'connected', ARGV[6]) end
  if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'left', ARGV[7]) end
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SET', KEYS[3], ARGV[1])
  return true
end
"""
SCRIPTS = {
    # KEYS: workshop, join code, workshops. ARGV: JSON, id, created.
    "create": """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return 1
""",
    # KEYS: participant, the workshop's ids, the id's workshop. ARGV: workshop id, id,
    # room id, name, created, connected or '', left or '', capacity, lapse_before,
    # participant key prefix. 1 seated, 0 no seat, -1 the id is another workshop's.
    "seat": SEAT_RULES
    + WRITE_PARTICIPANT
    + """
local lapse_before = tonumber(ARGV[9])
local f = redis.call('HMGET', KEYS[1], 'room_id', 'created', 'connected', 'left')
local seated_here = f[1] == ARGV[3] and holds_seat(f[2], f[3], f[4], lapse_before)
if not seated_here
    and seats_taken(KEYS[2], ARGV[10], ARGV[3], ARGV[2], lapse_before) >= tonumber(ARGV[8]) then
  return 0
end
if not write_participant(ARGV[3]) then return -1 end
return 1
""",
    # KEYS and ARGV as "seat", but ARGV[3] lists the candidate rooms, comma-separated.
    # {1, room} seated in the emptiest with a free seat, {0} all full, {-1} as "seat".
    "seat_emptiest": SEAT_RULES
    + WRITE_PARTICIPANT
    + """
local lapse_before = tonumber(ARGV[9])
local counts = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if id ~= ARGV[2] then
    local f = redis.call('HMGET', ARGV[10] .. id, 'room_id', 'created', 'connected', 'left')
    if f[1] and holds_seat(f[2], f[3], f[4], lapse_before) then
      counts[f[1]] = (counts[f[1]] or 0) + 1
    end
  end
end
local best, fewest = nil, nil
for room in string.gmatch(ARGV[3], '[^,]+') do
  local n = counts[room] or 0
  if n < tonumber(ARGV[8]) and (fewest == nil or n < fewest) then best, fewest = room, n end
end
if not best then return {0} end
if not write_participant(best) then return {-1} end
return {1, best}
""",
    # KEYS: participant, the workshop's ids. ARGV: id, capacity, lapse_before, now,
    # participant key prefix. The participant's fields, or none.
    "claim": SEAT_RULES
    + """
local f = redis.call('HMGET', KEYS[1], 'room_id', 'created', 'connected', 'left')
if not f[1] or f[4] then return {} end
if not f[3] then
  local lapse_before = tonumber(ARGV[3])
  if not holds_seat(f[2], f[3], f[4], lapse_before)
      and seats_taken(KEYS[2], ARGV[5], f[1], ARGV[1], lapse_before) >= tonumber(ARGV[2]) then
    return {}
  end
  redis.call('HSET', KEYS[1], 'connected', ARGV[4])
end
return redis.call('HGETALL', KEYS[1])
""",
    # KEYS: participant. ARGV: now.
    "leave": """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'left') == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'left', ARGV[1])
return 1
""",
    # KEYS: the workshop's ids. ARGV: lapse_before, participant key prefix.
    # Room id, count, room id, count ...
    "headcounts": SEAT_RULES
    + """
local lapse_before = tonumber(ARGV[1])
local counts, rooms = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local f = redis.call('HMGET', ARGV[2] .. id, 'room_id', 'created', 'connected', 'left')
  if f[1] and holds_seat(f[2], f[3], f[4], lapse_before) then
    if not counts[f[1]] then counts[f[1]] = 0; rooms[#rooms + 1] = f[1] end
    counts[f[1]] = counts[f[1]] + 1
  end
end
local out = {}
for _, room in ipairs(rooms) do out[#out + 1] = room; out[#out + 1] = counts[room] end
return out
""",
    # KEYS: the workshop's ids. ARGV: participant key prefix. Each participant's
    # fields, as HGETALL gives them.
    "participants": """
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. id)
end
return out
""",
    # KEYS: control, audit. ARGV: expected version, data, audit entry (msgpack) or ''.
    # 1 written, 0 the stored version is not the expected one (nothing written).
    "put_control": """
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', string.format('%d', version + 1), 'data', ARGV[2])
if ARGV[3] ~= '' then redis.call('LPUSH', KEYS[2], ARGV[3]) end
return 1
""",
    # KEYS: lock, snapshot, log. ARGV: fence, snapshot, upto's ms and seq, trim
    # MINID, trim grace in ms.
    # 0 if the lock is no longer ours. Stream id parts are compared as decimal
    # strings, since they may pass the 2^53 that Lua numbers hold exactly.
    # KEYS: the ballot, the vote's voters, its tally. ARGV: participant id, item,
    # amount, mode, budget, cap, top of the scale. The rules of
    # storage/votes.apply_cast. Replies {status, item, amount, ...}: the status
    # ('ok', 'over_budget', 'invalid' or 'closed') and the ballot after.
    "cast": """
local function reply(status)
  local out = {status}
  for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = v end
  return out
end
if redis.call('EXISTS', KEYS[3]) == 1 then return reply('closed') end
local item, amount = ARGV[2], tonumber(ARGV[3])
local mode, budget, cap = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local current = tonumber(redis.call('HGET', KEYS[1], item) or '0')
local new
if mode == 'scale' then
  if amount < 0 or amount > tonumber(ARGV[7]) then return reply('invalid') end
  new = amount
else
  new = current + amount
  if new < 0 then return reply('invalid') end
  if amount > 0 then
    if new > cap then return reply('over_budget') end
    local spent = 0
    for _, v in ipairs(redis.call('HVALS', KEYS[1])) do spent = spent + tonumber(v) end
    if spent + amount > budget then return reply('over_budget') end
  end
end
if new == 0 then
  redis.call('HDEL', KEYS[1], item)
else
  redis.call('HSET', KEYS[1], item, new)
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SADD', KEYS[2], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
return reply('ok')
""",
    # KEYS: the vote's voters, its tally. ARGV: the ballot key prefix, mode,
    # '1' for a named vote (keep who gave what: 'n:' voter US item).
    # Sums every ballot into the tally hash and deletes the ballots and the
    # voters, unless the tally exists already (closed before). Returns 1.
    "close_vote": """
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local flat = redis.call('HGETALL', key)
  if #flat > 0 then n = n + 1 end
  for i = 1, #flat, 2 do
    redis.call('HINCRBY', KEYS[2], 't:' .. flat[i], flat[i + 1])
    if ARGV[2] == 'scale' then
      redis.call('HINCRBY', KEYS[2], 's:' .. flat[i + 1] .. ':' .. flat[i], 1)
    end
    if ARGV[3] == '1' then
      redis.call('HSET', KEYS[2], 'n:' .. id .. '\\31' .. flat[i], flat[i + 1])
    end
  end
  redis.call('DEL', key)
end
redis.call('HSET', KEYS[2], 'v', n)
redis.call('DEL', KEYS[1])
return 1
""",
    # KEYS: the workshop's draft ids, the new draft. ARGV: the draft key
    # prefix, the author, the limit, the id, room, created, body. Keeps the
    # draft unless the author has `limit` waiting. Returns 1 or 0.
    "add_draft": """
local waiting = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'author', 'sealed')
  if f[1] == ARGV[2] and f[2] == '0' then waiting = waiting + 1 end
end
if waiting >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], 'room', ARGV[5], 'author', ARGV[2], 'created', ARGV[6],
  'sealed', '0', 'body', ARGV[7])
redis.call('SADD', KEYS[1], ARGV[4])
return 1
""",
    # KEYS: the workshop's draft ids, the draft. ARGV: the author, the id, and
    # the new body (absent: delete). Only the author's waiting draft. 1 or 0.
    "change_draft": """
local f = redis.call('HMGET', KEYS[2], 'author', 'sealed')
if f[1] ~= ARGV[1] or f[2] ~= '0' then return 0 end
if ARGV[3] then
  redis.call('HSET', KEYS[2], 'body', ARGV[3])
else
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[1], ARGV[2])
end
return 1
""",
    # KEYS: the workshop's draft ids. ARGV: the draft key prefix, what to
    # match ('author', 'room' or 'seal'), its value. 'seal' seals the room's
    # waiting drafts first and returns its sealed ones; 'author' returns the
    # author's waiting ones; 'room' returns every waiting draft without its
    # body. Each as id, room, author, created, sealed, body.
    "drafts": """
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'room', 'author', 'created', 'sealed')
  local take = false
  if ARGV[2] == 'seal' then
    if f[1] == ARGV[3] then
      if f[4] == '0' then redis.call('HSET', key, 'sealed', '1') end
      f[4] = '1'
      take = true
    end
  elseif ARGV[2] == 'author' then
    take = f[2] == ARGV[3] and f[4] == '0'
  else
    take = f[4] == '0'
  end
  if take then
    local body = ''
    if ARGV[2] ~= 'room' then body = redis.call('HGET', key, 'body') end
    for _, v in ipairs({id, f[1], f[2], f[3], f[4], body}) do out[#out + 1] = v end
  end
end
return out
""",
    # KEYS: the workshop's draft ids. ARGV: the draft key prefix, then ids.
    "bin_take": """
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if entry then redis.call('HDEL', KEYS[1], ARGV[1]) end
return entry
""",
    "drop_drafts": """
for i = 2, #ARGV do
  redis.call('DEL', ARGV[1] .. ARGV[i])
  redis.call('SREM', KEYS[1], ARGV[i])
end
return 1
""",
    "compact": """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local function greater(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local ms, seq = '0', '0'
local stored = redis.call('HGET', KEYS[2], 'cursor')
if stored then ms, seq = string.match(stored, '^(%d+)-(%d+)$') end
-- A snapshot that is not newer than the stored one is not kept; the log up
-- to its cursor is still trimmed below, since the stored snapshot covers it
-- (a compaction after the grace removes what an earlier one had to keep).
if greater(ARGV[3], ms) or ARGV[3] == ms and greater(ARGV[4], seq) then
  redis.call('HSET', KEYS[2], 'snap', ARGV[2], 'cursor', ARGV[3] .. '-' .. ARGV[4])
end
-- Entries newer than the grace stay a while, covered by the snapshot (loads
-- skip them), so that a process whose reader lags behind misses none.
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[6])
local trim = ARGV[5]
if tonumber(string.match(trim, '^(%d+)-')) > cutoff then trim = string.format('%d-0', cutoff) end
redis.call('XTRIM', KEYS[3], 'MINID', trim)
return 1
""",
    # KEYS: snapshot, log. The snapshot, its cursor, then the id and update of
    # each entry after that cursor (the ones it covers may stay a while).
    "load": """
local f = redis.call('HMGET', KEYS[1], 'snap', 'cursor')
local out = {f[1], f[2]}
local from = '-'
if f[2] then from = '(' .. f[2] end
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], from, '+')) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'u' then
      out[#out + 1] = entry[1]
      out[#out + 1] = fields[i + 1]
    end
  end
end
return out
""",
    # KEYS: snapshot, log. The entries after the snapshot's cursor.
    "log_length": """
local cursor = redis.call('HGET', KEYS[1], 'cursor')
if not cursor then return redis.call('XLEN', KEYS[2]) end
return #redis.call('XRANGE', KEYS[2], '(' .. cursor, '+')
""",
    # KEYS: the workshop, the workshops by creation, the workshops by activity,
    # its participant ids, its draft ids, then its other keys of fixed names.
    # ARGV: its id, then the key prefixes of join codes, its participants,
    # participant owners, its drafts, and its rooms' snapshots, logs and locks.
    # Deletes the workshop with its join code, every key those name, and the
    # keys given; 1 if the workshop was there, 0 if not.
    "delete_workshop": """
local existed = 0
local raw = redis.call('GET', KEYS[1])
if raw then
  existed = 1
  local w = cjson.decode(raw)
  if redis.call('GET', ARGV[2] .. w.join_code) == ARGV[1] then
    redis.call('DEL', ARGV[2] .. w.join_code)
  end
  for _, room in ipairs(w.rooms) do
    redis.call('DEL', ARGV[6] .. room.id, ARGV[7] .. room.id, ARGV[8] .. room.id)
  end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  redis.call('DEL', ARGV[3] .. id)
  if redis.call('GET', ARGV[4] .. id) == ARGV[1] then redis.call('DEL', ARGV[4] .. id) end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('DEL', ARGV[5] .. id) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1], unpack(KEYS, 4))
return existed
""",
    # KEYS: the workshop, its participant ids, control, audit, its draft ids,
    # bin, the workshops by activity. ARGV: its id, the key prefixes of its
    # participants, its drafts, and its rooms' snapshots and logs; then, per
    # vote, its id, voters key, tally key and ballot key prefix.
    # Nil if the workshop is not there; else its JSON, its last activity,
    # each participant's hash, the control's version and data, the audit list
    # (newest first), each draft's id and hash, the bin, each room's id,
    # snapshot and the updates after it (as "load"), and each vote's id, tally
    # and {voter, ballot} pairs. Hashes are flat, as HGETALL gives them.
    "dump_workshop": """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local people = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  people[#people + 1] = redis.call('HGETALL', ARGV[2] .. id)
end
local drafts = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  drafts[#drafts + 1] = {id, redis.call('HGETALL', ARGV[3] .. id)}
end
local rooms = {}
for _, room in ipairs(cjson.decode(raw).rooms) do
  local f = redis.call('HMGET', ARGV[4] .. room.id, 'snap', 'cursor')
  local from = '-'
  if f[2] then from = '(' .. f[2] end
  local updates = {}
  for _, entry in ipairs(redis.call('XRANGE', ARGV[5] .. room.id, from, '+')) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'u' then updates[#updates + 1] = fields[i + 1] end
    end
  end
  rooms[#rooms + 1] = {room.id, f[1], updates}
end
local votes = {}
for i = 6, #ARGV, 4 do
  local ballots = {}
  for _, id in ipairs(redis.call('SMEMBERS', ARGV[i + 1])) do
    ballots[#ballots + 1] = {id, redis.call('HGETALL', ARGV[i + 3] .. id)}
  end
  votes[#votes + 1] = {ARGV[i], redis.call('HGETALL', ARGV[i + 2]), ballots}
end
return {raw, redis.call('ZSCORE', KEYS[7], ARGV[1]), people,
  redis.call('HMGET', KEYS[3], 'version', 'data'), redis.call('LRANGE', KEYS[4], 0, -1),
  drafts, redis.call('HGETALL', KEYS[6]), rooms, votes}
""",
    # KEYS: the workshop, its join code, the workshops by creation, the
    # workshops by activity, then the owner key of each of its participants.
    # ARGV: its id, JSON, created, last activity or '', then every other
    # write, each as its number of words and the words (RedisStore's
    # _load_writes, which deletes each key before it writes it). Writes
    # nothing unless the id, the join code and each participant id are free;
    # the workshop, its join code and its places in the indexes go last, so
    # that nothing finds it before the rest is there. {'ok'}, {'id'},
    # {'code'}, or {'participant', n}: the nth participant's id is another
    # workshop's.
    "load_workshop": """
if redis.call('EXISTS', KEYS[1]) == 1 then return {'id'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'code'} end
for i = 5, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= ARGV[1] then return {'participant', i - 4} end
end
local i = 5
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1]) end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok'}
""",
    # KEYS: the workshop, the workshops by activity. ARGV: its id, the time.
    # Keeps the later time, and nothing for a workshop that is not there.
    "record_activity": """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local at = redis.call('ZSCORE', KEYS[2], ARGV[1])
if at and tonumber(at) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
""",
    # KEYS: the workshops by creation, the workshops by activity. ARGV: the
    # time before which a workshop is idle. The ids of those last in use
    # before it (or, never recorded in use, created before it).
    "idle_workshops": """
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])) do
  local at = redis.call('ZSCORE', KEYS[2], id)
  if not at or tonumber(at) < tonumber(ARGV[1]) then out[#out + 1] = id end
end
return out
""",
    # KEYS: lock. ARGV: fence.
    "release": """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""",
}
