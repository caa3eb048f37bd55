-- One endpoint under wrk (https://github.com/wg/wrk), driven by bench/wrk.py.
--
-- HC_WRK_REQUESTS names a file of prepared requests, one a line: METHOD \t PATH \t HEADERS \t BODY,
-- headers as "Name: value" joined by "\r\n" and hex-encoded, the body hex-encoded (either may be
-- empty). Each thread sends them in turn, from its own starting line, so signed one-time requests
-- (WeChat messages) need only be as many as the run sends.
-- HC_WRK_EXPECT: a substring every good answer's body holds; any other answer is counted.
-- HC_WRK_RESULT: where done() writes what it measured, as JSON.

local threads = {}

local function unhex(s)
  return (s:gsub("..", function(pair) return string.char(tonumber(pair, 16)) end))
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  return fields
end

local function parse_headers(block)
  local headers = {}
  for header in block:gmatch("[^\r\n]+") do
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return headers
end

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(_args)
  prepared = {}
  for line in io.lines(os.getenv("HC_WRK_REQUESTS")) do
    local f = split(line)
    local headers = parse_headers(unhex(f[3]))
    prepared[#prepared + 1] = wrk.format(f[1], f[2], headers, f[4] ~= "" and unhex(f[4]) or nil)
  end
  -- threads start far apart in the list, so none sends what another already sent
  index = math.floor(id * #prepared / 16) % #prepared
  expect = os.getenv("HC_WRK_EXPECT")
  unexpected = 0
  first_unexpected = ""
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

function response(status, _headers, body)
  if status ~= 200 or (expect and not (body and body:find(expect, 1, true))) then
    unexpected = unexpected + 1
    if first_unexpected == "" then
      first_unexpected = status .. ": " .. (body or ""):sub(1, 200)
    end
  end
end

local function quoted(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, _requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    if first == "" then first = thread:get("first_unexpected") end
  end
  local e = summary.errors
  local out = io.open(os.getenv("HC_WRK_RESULT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "unexpected": %d, "first_unexpected": %s, '
      .. '"socket_errors": %d, "timeouts": %d, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}',
    summary.requests, summary.duration, bad, quoted(first),
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
  out:close()
end
