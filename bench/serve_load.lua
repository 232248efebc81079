-- wrk script of bench/serve_load.sh: keep-alive POST /embed, each request 1 to 8 texts of the
-- workload (request k of a connection: (k mod 8) + 1 texts from a position that walks the file),
-- truncate on. done() prints one JSON line: requests, texts, errors by status, latency in ms.
-- Env: SERVE_TEXTS (the texts file, one per line); SERVE_MAX_TEXTS (default 8: at most that
-- many texts a request, (k mod max) + 1).
local texts = {}
for line in io.lines(os.getenv("SERVE_TEXTS")) do texts[#texts + 1] = line end

local max_texts = tonumber(os.getenv("SERVE_MAX_TEXTS") or "8")
local threads = {}
local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

local function quote(s) return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"' end

function init(args)
  counter = 0
  sent_texts = 0
  done_texts = 0
  statuses = {}
  pending = {}
end

function request()
  local n = (counter % max_texts) + 1
  local start = (counter * 7919 + id * 104729) % #texts
  counter = counter + 1
  local parts = {}
  for i = 0, n - 1 do parts[#parts + 1] = quote(texts[((start + i) % #texts) + 1]) end
  table.insert(pending, n)
  return wrk.format("POST", "/embed", {["Content-Type"] = "application/json"},
                    '{"inputs":[' .. table.concat(parts, ",") .. '],"truncate":true}')
end

function response(status, headers, body)
  local n = table.remove(pending, 1) or 0
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 then done_texts = done_texts + n end
end

function done(summary, latency, requests)
  local texts_ok, by_status = 0, {}
  for _, t in ipairs(threads) do
    texts_ok = texts_ok + t:get("done_texts")
    for s, c in pairs(t:get("statuses")) do by_status[tostring(s)] = (by_status[tostring(s)] or 0) + c end
  end
  local st = {}
  for s, c in pairs(by_status) do st[#st + 1] = string.format('"%s":%d', s, c) end
  io.write(string.format(
    '{"seconds":%.3f,"requests":%d,"texts":%d,"statuses":{%s},"socket_errors":%d,' ..
    '"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f}\n',
    summary.duration / 1e6, summary.requests, texts_ok, table.concat(st, ","),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3))
end
