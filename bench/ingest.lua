-- wrk script: posts pre-signed, distinct webhooks (bench/gen_bodies.py) as the resource
-- RESOURCE names (default event_alert).
local resource = os.getenv("RESOURCE") or "event_alert"
local bodies = {}
local i = 0
local threads = 0
local step = 1

-- Thread 0 walks the file forwards from the start, thread 1 backwards from the end, so bodies
-- stay distinct (no duplicates) as long as the file holds more than one run's requests.
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("BODIES")) do
    local tab = line:find("\t", 1, true)
    bodies[#bodies + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  step = (id == 1) and -1 or 1
  i = (id == 1) and (#bodies + 1) or 0
end

function request()
  i = (i + step - 1) % #bodies + 1
  local b = bodies[i]
  return wrk.format("POST", "/webhooks/sentry", {
    ["Content-Type"] = "application/json",
    ["Sentry-Hook-Resource"] = resource,
    ["Sentry-Hook-Signature"] = b[1],
  }, b[2])
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors non-2xx %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms, rate %.0f/s\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
