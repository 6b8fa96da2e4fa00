-- wrk script: pre-signed, distinct event_alert webhooks (bench/gen_bodies.py) spread over several
-- relays. PORTS="8101,8102,8103": thread k posts to port k mod #PORTS, so `wrk -t3` against three
-- replicas is one load balancer with one latency distribution. NTHREADS must equal wrk's -t: thread
-- k keeps bodies k, k+NTHREADS, ... of the file, so no two threads post the same body.
local ports = {}
for p in string.gmatch(os.getenv("PORTS") or "8090", "%d+") do ports[#ports + 1] = p end
local stride = tonumber(os.getenv("NTHREADS") or "1")
local threads = 0
local bodies = {}
local i = 0

function setup(thread)
  thread.addr = wrk.lookup("127.0.0.1", ports[(threads % #ports) + 1])[1]
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  local n = 0
  for line in io.lines(os.getenv("BODIES")) do
    if n % stride == id then
      local tab = line:find("\t", 1, true)
      bodies[#bodies + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
    end
    n = n + 1
  end
end

function request()
  i = i % #bodies + 1
  local b = bodies[i]
  return wrk.format("POST", "/webhooks/sentry", {
    ["Content-Type"] = "application/json",
    ["Sentry-Hook-Resource"] = "event_alert",
    ["Sentry-Hook-Signature"] = b[1],
  }, b[2])
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors non-2xx %d, socket errors %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms, rate %.0f/s\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
