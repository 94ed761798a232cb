#!/usr/bin/env bash
# Benchmark of GET /tokens on the packaged broker, on loopback only:
#   - in-process tier, Redis tier alone (tokenbroker.cache.local-enabled=false), and GET /ping as the baseline;
#   - requests/s and p50/p99 from wrk, ratios to the baseline, upstream calls, the broker's RSS.
# Needs: java, redis-server, python3, wrk (Debian: apt-get install wrk). Builds the jar only if it is missing.
# Usage: bench/run.sh [DURATION_SECONDS] [CONNECTIONS]   (env BROKER_OPTS: extra JVM options for the broker)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
connections=${2:-32}
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

start_broker() { # $1: local tier on (true/false)
  port=$(free_port)
  management=$(free_port)
  # shellcheck disable=SC2086 # BROKER_OPTS: extra JVM options, word-split on purpose
  java -Xmx256m ${BROKER_OPTS:-} -Dquarkus.http.port="$port" -Dquarkus.management.port="$management" \
    -Dquarkus.redis.hosts="redis://127.0.0.1:$redis_port" -Dtokenbroker.cache.encryption-key="$encryption_key" \
    -Dtokenbroker.cache.local-enabled="$1" -Dtokenbroker.credentials.dir="$work/credentials" \
    -Dtokenbroker.callers.file="$work/callers.yaml" -Dquarkus.log.level=WARN \
    -jar target/quarkus-app/quarkus-run.jar >"$work/broker-$1.log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$management/q/health/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "bench: the broker did not start"; cat "$work/broker-$1.log"; exit 1
}

# wrk with --latency; prints "requests/s p50 p99" (latencies in ms)
load() { # $1: URL, $2: header or empty
  local args=(-t2 -c"$connections" -d"${duration}s" --latency)
  [[ -n $2 ]] && args+=(-H "$2")
  wrk "${args[@]}" -d3s "$1" >/dev/null # warm-up
  wrk "${args[@]}" "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { errors = $NF }
    END { if (errors > 0) { print "bench: " errors " non-2xx answers" > "/dev/stderr"; exit 1 }
          printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}

auth="Authorization: Bearer $key"
start_broker true
tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
curl -sf -H "$auth" "$tokens_url" >/dev/null
read -r base_rps base_p50 base_p99 < <(load "http://127.0.0.1:$port/ping" "")
read -r mem_rps mem_p50 mem_p99 < <(load "$tokens_url" "$auth")
rss_mem=$(( $(ps -o rss= -p "$broker_pid") / 1024 ))
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true

start_broker false
tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
read -r redis_rps redis_p50 redis_p99 < <(load "$tokens_url" "$auth")
rss_redis=$(( $(ps -o rss= -p "$broker_pid") / 1024 ))
upstream_calls=$(curl -sf "http://127.0.0.1:$ims_port/count")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wrk -t2 -c$connections -d${duration}s on $(nproc) cores; broker -Xmx256m; $(date -u +%F)"
echo
echo "| path | requests/s | p50 ms | p99 ms | vs baseline | broker RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
echo "| GET /ping (baseline) | $base_rps | $base_p50 | $base_p99 | 1.00 | $rss_mem |"
echo "| GET /tokens, in-process tier | $mem_rps | $mem_p50 | $mem_p99 | $(ratio "$mem_rps" "$base_rps") | $rss_mem |"
echo "| GET /tokens, Redis tier only | $redis_rps | $redis_p50 | $redis_p99 | $(ratio "$redis_rps" "$base_rps") | $rss_redis |"
echo
echo "upstream calls for both runs (one credential and scope set, one token lifetime): $upstream_calls"
