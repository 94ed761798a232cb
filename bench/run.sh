#!/usr/bin/env bash
# Benchmark of GET /tokens on the packaged broker, on loopback only:
#   - in-process tier (with the per-request audit line, and with its category turned off), Redis tier alone
#     (tokenbroker.cache.local-enabled=false), and GET /ping as the baseline;
#   - requests/s and p50/p99 from wrk, ratios to the baseline, the broker's CPU time per request (from
#     /proc/<pid>/stat: steadier than requests/s on a shared machine), upstream calls, the broker's RSS.
# Each path is warmed up first (WARMUP seconds, default 15): on 2 cores busy with wrk, the JIT needs that long
# to compile the GET /tokens path, and a short warm-up measures the interpreter.
# Needs: java, redis-server, python3, wrk (Debian: apt-get install wrk). Builds the jar only if it is missing.
# Usage: bench/run.sh [DURATION_SECONDS] [CONNECTIONS]   (env BROKER_OPTS: extra JVM options; WARMUP: seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
connections=${2:-32}
warmup=${WARMUP:-15}
for tool in java redis-server python3 wrk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (wrk: apt-get install wrk)"; exit 1; }
done
[[ -f target/quarkus-app/quarkus-run.jar ]] || mvn -B -q package -DskipTests

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
ims_port=$(free_port)
python3 bench/stand-in-ims.py "$ims_port" &
pids+=($!)

mkdir -p "$work/credentials/bench"
printf 'bench-client' >"$work/credentials/bench/client_id"
printf 'bench-secret' >"$work/credentials/bench/client_secret"
printf 'openid,AdobeID' >"$work/credentials/bench/scopes"
printf 'http://127.0.0.1:%s/ims/token/v3' "$ims_port" >"$work/credentials/bench/token_url"
key=bench-key-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
cat >"$work/callers.yaml" <<YAML
callers:
  - name: bench
    api-key-sha256: $(printf %s "$key" | sha256sum | cut -d' ' -f1)
    grants:
      - credential: bench
        scopes: ["*"]
YAML
encryption_key=$(head -c 32 /dev/urandom | base64)

start_broker() { # $1: local tier on (true/false), $2: level of the audit category (INFO writes a line per request)
  port=$(free_port)
  management=$(free_port)
  # shellcheck disable=SC2086 # BROKER_OPTS: extra JVM options, word-split on purpose
  java -Xmx256m ${BROKER_OPTS:-} -Dquarkus.http.port="$port" -Dquarkus.management.port="$management" \
    -Dquarkus.redis.hosts="redis://127.0.0.1:$redis_port" -Dtokenbroker.cache.encryption-key="$encryption_key" \
    -Dtokenbroker.cache.local-enabled="$1" -Dtokenbroker.credentials.dir="$work/credentials" \
    -Dtokenbroker.callers.file="$work/callers.yaml" -Dquarkus.log.level=WARN \
    -Dquarkus.log.category.\"tokenbroker.audit\".level="$2" \
    -jar target/quarkus-app/quarkus-run.jar >"$work/broker-$1-$2.log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$management/q/health/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "bench: the broker did not start"; cat "$work/broker-$1-$2.log"; exit 1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$broker_pid/stat"; } # user + system, in clock ticks

# wrk with --latency after a warm-up; prints "requests/s p50 p99 cpu" (latencies in ms; cpu: broker CPU µs per request)
load() { # $1: URL, $2: header or empty
  local args=(-t2 -c"$connections" --latency)
  [[ -n $2 ]] && args+=(-H "$2")
  wrk "${args[@]}" -d"${warmup}s" "$1" >/dev/null
  local before after
  before=$(cpu_ticks)
  wrk "${args[@]}" -d"${duration}s" "$1" >"$work/wrk.out"
  after=$(cpu_ticks)
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    / requests in / { requests = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { errors = $NF }
    END { if (errors > 0) { print "bench: " errors " non-2xx answers" > "/dev/stderr"; exit 1 }
          printf "%.0f %.2f %.2f %.1f\n", rps, p50, p99, ticks * 1e6 / hz / requests }' "$work/wrk.out"
}

auth="Authorization: Bearer $key"
start_broker true INFO
tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
curl -sf -H "$auth" "$tokens_url" >/dev/null
read -r base_rps base_p50 base_p99 base_cpu < <(load "http://127.0.0.1:$port/ping" "")
read -r mem_rps mem_p50 mem_p99 mem_cpu < <(load "$tokens_url" "$auth")
rss_mem=$(( $(ps -o rss= -p "$broker_pid") / 1024 ))
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true

start_broker true WARN
tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
read -r quiet_rps quiet_p50 quiet_p99 quiet_cpu < <(load "$tokens_url" "$auth")
rss_quiet=$(( $(ps -o rss= -p "$broker_pid") / 1024 ))
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true

start_broker false INFO
tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
read -r redis_rps redis_p50 redis_p99 redis_cpu < <(load "$tokens_url" "$auth")
rss_redis=$(( $(ps -o rss= -p "$broker_pid") / 1024 ))
upstream_calls=$(curl -sf "http://127.0.0.1:$ims_port/count")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wrk -t2 -c$connections, ${warmup}s warm-up and ${duration}s measured per path, on $(nproc) cores; broker -Xmx256m; $(date -u +%F)"
echo
echo "| path | requests/s | p50 ms | p99 ms | vs baseline | broker CPU µs/request | broker RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| GET /ping (baseline) | $base_rps | $base_p50 | $base_p99 | 1.00 | $base_cpu | $rss_mem |"
echo "| GET /tokens, in-process tier | $mem_rps | $mem_p50 | $mem_p99 | $(ratio "$mem_rps" "$base_rps") | $mem_cpu | $rss_mem |"
echo "| GET /tokens, in-process tier, audit line off | $quiet_rps | $quiet_p50 | $quiet_p99 | $(ratio "$quiet_rps" "$base_rps") | $quiet_cpu | $rss_quiet |"
echo "| GET /tokens, Redis tier only | $redis_rps | $redis_p50 | $redis_p99 | $(ratio "$redis_rps" "$base_rps") | $redis_cpu | $rss_redis |"
echo
echo "upstream calls for all runs (one credential and scope set, one token lifetime, one Redis): $upstream_calls"
