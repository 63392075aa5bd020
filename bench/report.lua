-- wrk script of bench/run.py: send the proxy's header, print the results as JSON.
wrk.headers["X-Forwarded-Proto"] = "https"
if os.getenv("BENCH_COOKIE") and os.getenv("BENCH_COOKIE") ~= "" then
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
end
if os.getenv("BENCH_IF_NONE_MATCH") and os.getenv("BENCH_IF_NONE_MATCH") ~= "" then
  wrk.headers["If-None-Match"] = os.getenv("BENCH_IF_NONE_MATCH")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
