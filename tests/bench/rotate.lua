-- wrk script: requests the paths listed in a file (one per line), round
-- and round, each wrk thread starting at a different place.
--
--   wrk -s rotate.lua URL -- PATHS_FILE

local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("rotate.lua: no paths in " .. tostring(args[1]))
  end
  i = math.random(#paths) - 1
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

-- wrk counts answers of 400 and above in summary.errors.status; printing
-- it lets run.py reject a run that measured errors. (A response()
-- callback would do the same but slows wrk down on every request.)
function done(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
