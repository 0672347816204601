-- A fixed arrival rate for wrk (bench/http.sh): each connection waits an
-- exponential pause before each request, so that all the connections
-- together send about RATE requests/s whatever the answers' latency (a
-- closed loop, where each connection asks again the moment it is answered,
-- measures only its own queue). Requests are drawn from PATHS, a Lua file
-- returning {pages = {...}, oai = {...}}; OAI_SHARE (0..1) of them are OAI
-- list pages, the rest reading-room pages, searches, the API and browse.
--
-- Env: RATE (requests/s in all), CONNS (wrk's -c), PATHS, OAI_SHARE.
local rate = tonumber(os.getenv("RATE") or "1000")
local conns = tonumber(os.getenv("CONNS") or "256")
local share = tonumber(os.getenv("OAI_SHARE") or "0")
local paths = dofile(os.getenv("PATHS"))
-- Milliseconds between two requests of one connection, on average.
local mean = conns / rate * 1000
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
end

function request()
  local list = paths.pages
  if share > 0 and #paths.oai > 0 and math.random() < share then
    list = paths.oai
  end
  return wrk.format("GET", list[math.random(#list)])
end

function delay()
  return math.floor(-math.log(1 - math.random()) * mean)
end
