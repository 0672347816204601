-- A harvest running flat out for wrk (bench/http.sh): every connection asks
-- for OAI-PMH list pages back to back, drawn from PATHS (a Lua file
-- returning {pages = {...}, oai = {...}}).
local paths = dofile(os.getenv("PATHS"))

function request()
  return wrk.format("GET", paths.oai[math.random(#paths.oai)])
end
