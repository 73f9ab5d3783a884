-- wrk script of bench/harness/load.py: counts status codes and X-Page-Cache values of every
-- response, and prints one machine-readable line (WRK_JSON {...}) at the end.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  cache = {}
end

function response(status, headers, body)
  local code = tostring(status)
  statuses[code] = (statuses[code] or 0) + 1
  local value = headers["X-Page-Cache"] or headers["x-page-cache"] or "none"
  cache[value] = (cache[value] or 0) + 1
end

local function merge(into, from)
  for key, count in pairs(from or {}) do
    into[key] = (into[key] or 0) + count
  end
end

local function encode(counts)
  local parts = {}
  for key, count in pairs(counts) do
    local name = tostring(key):gsub('[^%w%-_]', '?')
    table.insert(parts, string.format('"%s": %d', name, count))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local statuses_all, cache_all = {}, {}
  for _, thread in ipairs(threads) do
    merge(statuses_all, thread:get("statuses"))
    merge(cache_all, thread:get("cache"))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "errors": %d, "statuses": %s, "cache": %s}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout,
    encode(statuses_all), encode(cache_all)
  ))
end
