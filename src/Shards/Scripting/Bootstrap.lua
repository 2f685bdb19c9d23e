-- Builds the scripting environment of one Lua state. Called once with the table of native functions.
-- Returns the pieces the engine keeps in the registry: the eval environment, the function environment
-- switch, the runners (xpcall with Redis's error handler) and the function registry.
local raw = ...
local error, type, tostring, tonumber, select, setmetatable, rawget, rawset, next, pairs, ipairs =
      error, type, tostring, tonumber, select, setmetatable, rawget, rawset, next, pairs, ipairs
local rawpcall, xpcall, rawload = pcall, xpcall, load
local floor, mtype, tointeger = math.floor, math.type, math.tointeger
local spack, sunpack, sformat, ssub, sbyte = string.pack, string.unpack, string.format, string.sub, string.byte
local dbg = debug
local internal = dbg.getinfo(1, 'S').source

-- Redis's __redis__err__handler: errors become {err=..., source=..., line=...}. The engine's own frames (this
-- chunk) and C functions are skipped so the position is the user's line, as with Redis's C functions.
local function handler(err)
  local level = 2
  local i = dbg.getinfo(level, 'Sl')
  while i and (i.what == 'C' or i.source == internal) do
    level = level + 1
    i = dbg.getinfo(level, 'Sl')
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    rawset(err, 'source', i.source)
    rawset(err, 'line', i.currentline)
  end
  return err
end

local function readonly() error('Attempt to modify a readonly table', 2) end

local function nonexistent(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end

-- A read-only view of t: reads go to t, writes fail, pairs walks t.
local function protect(t)
  return setmetatable({}, {
    __index = t,
    __newindex = readonly,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end

-- Native functions return (true, results...) or (false, error). They never raise (no C# frame may be unwound
-- by a Lua error); the error is raised by a coroutine body instead, and coroutine.wrap's C function propagates it.
-- So the function scripts call is a C function, and a script's frame survives even "return redis.call(...)"
-- (a tail call to a Lua function would replace it): the error position is the script's line, as in Redis, and a
-- string error gets that position prepended (luaL_where), as luaL_error gives it.
local wrap_co, yield, pack, unpack = coroutine.wrap, coroutine.yield, table.pack, table.unpack
local function install(tbl, key, raw)
  local function make()
    return wrap_co(function(...)
      local r = pack(raw(...))
      while true do
        if not r[1] then
          rawset(tbl, key, make())
          error(r[2], 0)
        end
        r = pack(raw(yield(unpack(r, 2, r.n))))
      end
    end)
  end
  rawset(tbl, key, make())
end
local function install_call(tbl, raw)
  local function make()
    return wrap_co(function(...)
      local ok, v = raw(...)
      while true do
        if not ok then
          rawset(tbl, 'call', make())
          error(v, 0)
        end
        ok, v = raw(yield(v))
      end
    end)
  end
  rawset(tbl, 'call', make())
end

-- luaPushErrorBuff: "-CODE msg" keeps its code, anything else gets ERR; CR/LF trimmed at both ends.
local function error_table(s)
  if ssub(s, 1, 1) ~= '-' then s = '-' .. s end
  local sp = s:find(' ', 1, true)
  local code, msg
  if sp then code, msg = ssub(s, 2, sp - 1), ssub(s, sp + 1) else code, msg = 'ERR', ssub(s, 2) end
  msg = (msg:gsub('^[\r\n]+', ''))
  msg = (msg:gsub('[\r\n]+$', ''))
  return {err = code .. ' ' .. msg}
end

-- ---- redis ----
local redis = {}
install_call(redis, raw.call)
redis.pcall = raw.pcall
install(redis, 'sha1hex', raw.sha1hex)
install(redis, 'log', raw.log)
install(redis, 'setresp', raw.setresp)
install(redis, 'set_repl', raw.set_repl)
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
install(redis, 'acl_check_cmd', raw.acl_check_cmd)
redis.error_reply = function(...)
  local e = ...
  if select('#', ...) ~= 1 or type(e) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
  return error_table(e)
end
redis.status_reply = function(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
  return {ok = s}
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = raw.version, raw.version_num

-- ---- bit (LuaBitOp: 32-bit two's complement results) ----
local function tobit(x, n, name)
  local v = tonumber(x)
  if v == nil then
    error("bad argument #" .. n .. " to '" .. name .. "' (number expected, got " .. (x == nil and 'no value' or type(x)) .. ")", 3)
  end
  v = tointeger(v) or floor(v + 0.5)
  v = v & 0xffffffff
  if v >= 0x80000000 then v = v - 0x100000000 end
  return v
end
local function norm(v)
  v = v & 0xffffffff
  if v >= 0x80000000 then v = v - 0x100000000 end
  return v
end
local bit = {}
bit.tobit = function(x) return tobit(x, 1, 'tobit') end
bit.bnot = function(x) return norm(~tobit(x, 1, 'bnot')) end
local function reducer(name, op)
  return function(x, ...)
    local r = tobit(x, 1, name)
    for i = 1, select('#', ...) do r = op(r, tobit((select(i, ...)), i + 1, name)) end
    return norm(r)
  end
end
bit.band = reducer('band', function(a, b) return a & b end)
bit.bor = reducer('bor', function(a, b) return a | b end)
bit.bxor = reducer('bxor', function(a, b) return a ~ b end)
bit.lshift = function(x, n) return norm(tobit(x, 1, 'lshift') << (tobit(n, 2, 'lshift') & 31)) end
bit.rshift = function(x, n) return norm((tobit(x, 1, 'rshift') & 0xffffffff) >> (tobit(n, 2, 'rshift') & 31)) end
bit.arshift = function(x, n) return norm(tobit(x, 1, 'arshift') // (1 << (tobit(n, 2, 'arshift') & 31))) end
bit.rol = function(x, n)
  local v, s = tobit(x, 1, 'rol') & 0xffffffff, tobit(n, 2, 'rol') & 31
  return norm((v << s) | (v >> (32 - s)))
end
bit.ror = function(x, n)
  local v, s = tobit(x, 1, 'ror') & 0xffffffff, tobit(n, 2, 'ror') & 31
  return norm((v >> s) | (v << (32 - s)))
end
bit.bswap = function(x)
  local v = tobit(x, 1, 'bswap') & 0xffffffff
  return norm(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24))
end
bit.tohex = function(x, n)
  local v = tobit(x, 1, 'tohex') & 0xffffffff
  n = n == nil and 8 or tobit(n, 2, 'tohex')
  local fmt = '%08x'
  if n < 0 then n = -n; fmt = '%08X' end
  if n > 8 then n = 8 end
  local s = sformat(fmt, v)
  return ssub(s, 9 - n)
end

-- ---- struct (Roberto Ierusalimschy's library, on top of string.pack) ----
local struct = {}
local function struct_items(fmt)
  local items, endian, i = {}, '<', 1
  while i <= #fmt do
    local c = ssub(fmt, i, i)
    i = i + 1
    local digits = fmt:match('^%d+', i)
    if digits then i = i + #digits end
    local size = digits and tonumber(digits) or nil
    if c == '>' or c == '<' or c == '=' then endian = (c == '=' and '<' or c)
    elseif c == '!' then -- alignment is not supported by this translation: ignored
    elseif c == ' ' then
    elseif c == 'b' or c == 'B' or c == 'h' or c == 'H' or c == 'l' or c == 'L' or c == 'T' or c == 'f' or c == 'd' then
      items[#items + 1] = {endian .. (c == 'T' and 'T' or c), 'n'}
    elseif c == 'i' or c == 'I' then
      items[#items + 1] = {endian .. c .. (size or 4), 'i'}
    elseif c == 'c' then
      items[#items + 1] = {'c', 'c', size or 1}
    elseif c == 's' then
      items[#items + 1] = {'z', 's'}
    elseif c == 'x' then
      items[#items + 1] = {'x', 'x'}
    else
      error("invalid format option '" .. c .. "'", 3)
    end
  end
  return items
end
struct.pack = function(fmt, ...)
  local items, out, arg = struct_items(fmt), {}, 1
  for _, it in ipairs(items) do
    if it[2] == 'x' then out[#out + 1] = '\0'
    elseif it[2] == 'c' then
      local s = tostring((select(arg, ...)))
      arg = arg + 1
      local n = it[3]
      if n == 0 then n = #s end
      if #s < n then s = s .. string.rep('\0', n - #s) end
      out[#out + 1] = ssub(s, 1, n)
    elseif it[2] == 's' then
      out[#out + 1] = spack('z', tostring((select(arg, ...))))
      arg = arg + 1
    else
      local v = tonumber((select(arg, ...)))
      arg = arg + 1
      if v == nil then error("bad argument #" .. arg .. " to 'pack' (number expected)", 2) end
      if it[2] ~= 'n' or ssub(it[1], -1) ~= 'f' and ssub(it[1], -1) ~= 'd' then v = tointeger(v) or (v >= 0 and floor(v) or -floor(-v)) end
      out[#out + 1] = spack(it[1], v)
    end
  end
  return table.concat(out)
end
struct.unpack = function(fmt, s, pos)
  local items, res, p = struct_items(fmt), {}, tonumber(pos) or 1
  for _, it in ipairs(items) do
    if it[2] == 'x' then p = p + 1
    elseif it[2] == 'c' then
      local n = it[3]
      if n == 0 then n = res[#res] or 0 end
      if p + n - 1 > #s then error("bad argument #2 to 'unpack' (data string too short)", 2) end
      res[#res + 1] = ssub(s, p, p + n - 1)
      p = p + n
    else
      local ok, v, np = rawpcall(sunpack, it[1], s, p)
      if not ok then error("bad argument #2 to 'unpack' (data string too short)", 2) end
      res[#res + 1] = v
      p = np
    end
  end
  res[#res + 1] = p
  return table.unpack(res)
end
struct.size = function(fmt)
  local n = 0
  for _, it in ipairs(struct_items(fmt)) do
    if it[2] == 'x' then n = n + 1
    elseif it[2] == 'c' then n = n + it[3]
    elseif it[2] == 's' then error("options 'c0' - 's' have undefined sizes", 2)
    else n = n + string.packsize(it[1]) end
  end
  return n
end

-- ---- cjson / cmsgpack (native) ----
local cjson = {
  encode_keep_buffer = function() end,
  encode_max_depth = function() end,
  decode_max_depth = function() end,
  encode_number_precision = function() end,
  encode_sparse_array = function() end,
  decode_invalid_numbers = function() end,
  encode_invalid_numbers = function() end,
  null = raw.null,
}
install(cjson, 'encode', raw.cjson_encode)
install(cjson, 'decode', raw.cjson_decode)
cjson.new = function() return cjson end
local cmsgpack = {}
install(cmsgpack, 'pack', raw.msgpack_pack)
install(cmsgpack, 'unpack', raw.msgpack_unpack)
install(cmsgpack, 'unpack_one', raw.msgpack_unpack_one)
install(cmsgpack, 'unpack_limit', raw.msgpack_unpack_limit)

-- ---- Lua 5.1 names scripts written for Redis rely on ----
local function pcall_fix(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
local function redis_pcall(...) return pcall_fix(rawpcall(...)) end
local function load_text(chunk, name, mode, env)
  return rawload(chunk, name, 't', env)
end

local mathlib = {}
for k, v in pairs(math) do mathlib[k] = v end
install(mathlib, 'random', raw.random)
install(mathlib, 'randomseed', raw.randomseed)
mathlib.pow = function(x, y) return x ^ y end
mathlib.mod = math.fmod
mathlib.log10 = function(x) return math.log(x, 10) end
mathlib.ldexp = function(m, e) return m * 2.0 ^ e end
mathlib.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
mathlib.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
mathlib.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
local stringlib = {}
for k, v in pairs(string) do stringlib[k] = v end
stringlib.gfind = string.gmatch
local tablelib = {}
for k, v in pairs(table) do tablelib[k] = v end
tablelib.getn = function(t) return #t end
tablelib.maxn = function(t)
  local m = 0
  for k in pairs(t) do if type(k) == 'number' and k > m then m = k end end
  return m
end

-- The globals every script sees (Redis's allow list), read-only.
local function base_globals()
  local g = {
    assert = assert, collectgarbage = collectgarbage, error = error, getmetatable = getmetatable, ipairs = ipairs,
    next = next, pairs = pairs, pcall = redis_pcall, rawequal = rawequal, rawget = rawget, rawset = rawset,
    rawlen = rawlen, select = select, setmetatable = setmetatable, tonumber = tonumber, tostring = tostring,
    type = type, xpcall = xpcall, unpack = table.unpack, load = load_text, loadstring = load_text,
    gcinfo = function() return floor(collectgarbage('count')) end,
    _VERSION = 'Lua 5.1',
    string = protect(stringlib), math = protect(mathlib), table = protect(tablelib),
    coroutine = protect(coroutine), bit = protect(bit), struct = protect(struct), cjson = protect(cjson),
    cmsgpack = protect(cmsgpack), redis = protect(redis),
  }
  return g
end

-- EVAL: globals are read-only and reading an unknown one fails; KEYS and ARGV are set by the engine.
local eval_globals = base_globals()
setmetatable(eval_globals, {__index = nonexistent})
local eval_env = setmetatable({}, {__index = eval_globals, __newindex = readonly, __metatable = false})
eval_globals._G = eval_env

-- FUNCTION: while a library loads, only redis.register_function/log/version exist; when its functions run,
-- the same environment shows the full API (Redis swaps the globals' __index the same way).
local pending, pending_count
local flag_names = {['no-writes'] = 1, ['allow-oom'] = 2, ['allow-stale'] = 4, ['no-cluster'] = 8, ['allow-cross-slot-keys'] = 16}
local function name_ok(n) return type(n) == 'string' and #n > 0 and not n:find('[^%w_]') end
local function fail(msg) error({err = 'ERR ' .. msg}) end
local function register_function(...)
  if pending == nil then fail('redis.register_function can only be called on FUNCTION LOAD command') end
  local argc = select('#', ...)
  local name, callback, flags, description
  if argc == 1 then
    local t = ...
    if type(t) ~= 'table' then
      fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
    end
    for k, v in pairs(t) do
      if k == 'function_name' then
        if type(v) ~= 'string' and type(v) ~= 'number' then fail('function_name argument given to redis.register_function must be a string') end
        name = tostring(v)
      elseif k == 'description' then
        if type(v) ~= 'string' and type(v) ~= 'number' then fail('description argument given to redis.register_function must be a string') end
        description = tostring(v)
      elseif k == 'callback' then
        if type(v) ~= 'function' then fail('callback argument given to redis.register_function must be a function') end
        callback = v
      elseif k == 'flags' then
        if type(v) ~= 'table' then fail('flags argument to redis.register_function must be a table representing function flags') end
        flags = 0
        for _, f in pairs(v) do
          local bitv = type(f) == 'string' and flag_names[f] or nil
          if not bitv then fail('unknown flag given') end
          flags = flags | bitv
        end
      else
        fail('unknown argument given to redis.register_function')
      end
    end
    if name == nil then fail('redis.register_function must get a function name argument') end
    if callback == nil then fail('redis.register_function must get a callback argument') end
  elseif argc == 2 then
    local n, f = ...
    if type(n) ~= 'string' and type(n) ~= 'number' then fail('first argument to redis.register_function must be a string') end
    if type(f) ~= 'function' then fail('second argument to redis.register_function must be a function') end
    name, callback = tostring(n), f
  else
    fail('wrong number of arguments to redis.register_function')
  end
  if not name_ok(name) then
    fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
  end
  if pending[name] then fail('Function already exists in the library') end
  pending[name] = {callback, flags or 0, description}
  pending_count = pending_count + 1
end
local load_redis = setmetatable({
  register_function = register_function, log = function(...) return redis.log(...) end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = raw.version, REDIS_VERSION_NUM = raw.version_num,
}, {__index = nonexistent, __newindex = readonly, __metatable = false})
local load_globals = setmetatable({redis = load_redis}, {__index = nonexistent, __newindex = readonly, __metatable = false})
local run_globals = base_globals()
setmetatable(run_globals, {__index = nonexistent})
local function_meta = {__index = run_globals, __newindex = readonly, __metatable = false}
local function_env = setmetatable({}, function_meta)
run_globals._G = function_env
rawset(load_globals, "_G", function_env)

-- Runs a compiled library chunk with the load-time globals; returns (true, {name={callback, flags, desc}}, count)
-- or (false, errtable).
local function load_library(chunk)
  pending, pending_count = {}, 0
  function_meta.__index = load_globals
  local ok, err = xpcall(chunk, handler)
  function_meta.__index = run_globals
  local found, count = pending, pending_count
  pending = nil
  if not ok then return false, err end
  return true, found, count
end

-- Script runners: executed as the body of the engine's coroutine, so that the kill hook can yield out.
local function run_eval(f) return xpcall(f, handler) end
local function run_function(f, keys, args) return xpcall(f, handler, keys, args) end
local function run_load(chunk) return load_library(chunk) end

return {
  eval_env = eval_env, eval_globals = eval_globals, function_env = function_env,
  run_eval = run_eval, run_function = run_function, run_load = run_load,
}
