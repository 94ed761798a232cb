#!/usr/bin/env bash
# A running broker with its callers in a directory of files (docs/configuration.md, Grants for many teams), on
# loopback only, printed as two tables (docs/benchmark.md, Callers in files):
#   - callers directories generated here: 1 caller in 1 file (the floor), SMALL (10,000) callers in SMALL_FILES (5)
#     files and LARGE (100,000) in LARGE_FILES (50), 2,000 callers and about 400 KiB per file, so each fits a ConfigMap
#     (1 MiB); each caller with an api key (the SHA-256 of a key known here), a ServiceAccount and one grant of the one
#     credential the stand-in token endpoint (bench/stand-in-ims.py) serves;
#   - per directory: the time from process start to /q/health/ready answering UP (the first start, then the median and
#     range of STARTS (default 3) starts in all, taken in turns), the broker's own log of loading and merging the files
#     (event=callers_policy millis), the heap used after a full GC (jcmd GC.run, then GC.heap_info) and the RSS, and
#     from those the heap per caller against the 1-caller broker; the broker's CPU time up to readiness (steadier than
#     the wall time on a shared machine); the idle broker's CPU over IDLE seconds (default 20: every
#     tokenbroker.callers.reload-interval, 10 s, each file is read again and compared with the last one read);
#   - per directory of many files: one caller appended to its last file (written aside, then renamed into place, as a
#     ConfigMap update lands), the broker's log of that reload (event=callers_policy millis: that file parsed and its
#     entries applied), and the new caller served;
#   - GET /tokens (token cached: the in-process tier) with the key of the FIRST caller of the first file and of the
#     LAST caller of the last file, against the same broker, in ROUNDS (default 2) alternating rounds after a warm-up
#     (WARMUP seconds per key, default 10): requests/s, p50/p99 and the broker's CPU µs per request (from
#     /proc/<pid>/stat, as bench/run.sh measures it), medians of the rounds; the 1-caller broker's caller beside them.
# The product jar (target/token-broker.jar, built only if missing) in its prod profile over plain HTTP, without Redis
# (the in-process tier is the path measured) and without the AppCDS archive (bench/run.sh measures what that saves),
# with the central profile's heap (OPTS, default -Xmx256m, as bench/run.sh). ServiceAccount tokens are trusted (a
# JWKS file and issuer), so the ServiceAccount entries are loaded as in a cluster; the load uses the api keys.
# Needs: java (with jcmd), python3, curl, wrk (Debian: apt-get install wrk), openssl, xxd. About 4-5 minutes.
# Usage: bench/callers-files.sh [DURATION_SECONDS] [CONNECTIONS]       (defaults: 10 and 32)
#   env: JAR, OPTS, SMALL, SMALL_FILES, LARGE, LARGE_FILES, STARTS, ROUNDS, WARMUP, IDLE
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
warmup=${WARMUP:-10}
rounds=${ROUNDS:-2}
starts=${STARTS:-3}
small=${SMALL:-10000}
small_files=${SMALL_FILES:-5}
large=${LARGE:-100000}
large_files=${LARGE_FILES:-50}
idle=${IDLE:-20}
opts=${OPTS:--Xmx256m}
for tool in java jcmd python3 curl wrk openssl xxd; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (wrk: apt-get install wrk)"; exit 1; }
done
[[ -n ${JAR:-} || -f target/token-broker.jar ]] || mvn -B -q package -DskipTests
jar=${JAR:-$PWD/target/token-broker.jar}
issuer=https://kubernetes.default.svc.cluster.local

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

ims_port=$(free_port)
python3 bench/stand-in-ims.py "$ims_port" &
pids+=($!)

# The one credential, and a cluster's JWKS (a key of its own; no ServiceAccount token is sent).
mkdir -p "$work/credentials/bench"
printf bench-client > "$work/credentials/bench/client_id"
printf bench-secret > "$work/credentials/bench/client_secret"
printf openid,AdobeID > "$work/credentials/bench/scopes"
printf 'http://127.0.0.1:%s/ims/token/v3' "$ims_port" > "$work/credentials/bench/token_url"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.key" 2>/dev/null
modulus=$(openssl rsa -in "$work/sa.key" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"bench-1","n":"%s","e":"AQAB"}]}' "$modulus" > "$work/jwks.json"

# callers-N directories: team-NN.yaml files in name order; caller i's key is "$prefix-i"; the first caller's key
# (of the first file) in callers-N.first, the last one's (of the last file) in callers-N.last.
prefix=bench-key-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
python3 - "$work" "$prefix" 1 1 "$small" "$small_files" "$large" "$large_files" <<'PY'
import hashlib, os, sys
work, prefix, sizes = sys.argv[1], sys.argv[2], [int(a) for a in sys.argv[3:]]
for callers, files in zip(sizes[0::2], sizes[1::2]):
    directory = f"{work}/callers-{callers}"
    os.makedirs(directory)
    for f in range(files):
        lines = ["callers:\n"]
        for i in range(f * callers // files, (f + 1) * callers // files):
            digest = hashlib.sha256(f"{prefix}-{i}".encode()).hexdigest()
            lines.append(f"  - name: svc-{i}\n    api-key-sha256: {digest}\n    service-account: team-{f:02d}/svc-{i}\n"
                         f"    grants:\n      - credential: bench\n        scopes: [openid]\n")
        text = "".join(lines)
        assert len(text) < 1 << 20, f"team-{f:02d}.yaml is over 1 MiB"
        with open(f"{directory}/team-{f:02d}.yaml", "w") as out:
            out.write(text)
    for which, i in (("first", 0), ("last", callers - 1)):
        with open(f"{work}/callers-{callers}.{which}", "w") as out:
            out.write(f"{prefix}-{i}")
PY
dir_sizes() { # "largest KiB, total MiB" of directory $1
  du -b "$1"/*.yaml | awk '{ t += $1; if ($1 > m) m = $1 } END { printf "%d KiB, %.1f MiB in all", m / 1024, t / 1048576 }'
}

start_broker() { # $1: name, $2: callers directory; sets broker_pid, port, log, ready_s, ready_cpu_s
  port=$(free_port)
  local management start
  management=$(free_port)
  log=$work/broker-$1.log
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # JVM options: word-split on purpose
  java $opts -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" -Dquarkus.management.host=127.0.0.1 \
    -Dquarkus.management.port="$management" -Dtokenbroker.credentials.dir="$work/credentials" \
    -Dtokenbroker.callers.file="$2" -Dtokenbroker.kubernetes.jwks-url="$work/jwks.json" \
    -Dtokenbroker.kubernetes.issuer="$issuer" -Dquarkus.log.level=WARN \
    -Dquarkus.log.category.\"dev.tokenbroker.caller\".level=INFO -jar "$jar" >"$log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 1 2400); do
    if curl -sf "http://127.0.0.1:$management/q/health/ready" >/dev/null; then
      ready_s=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
      ready_cpu_s=$(awk -v ticks="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", ticks / hz }')
      return 0
    fi
    kill -0 "$broker_pid" 2>/dev/null || { echo "bench: the broker $1 stopped:"; tail -30 "$log"; exit 1; }
    sleep 0.05
  done
  echo "bench: the broker $1 was not ready in 120 s:"; tail -30 "$log"; exit 1
}
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; }
first_token() { # $1: key: one GET /tokens that must answer 200 (the first mints, the others are served from memory)
  local status
  status=$(curl -s -o "$work/token.json" -w '%{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:$port/tokens?credential=bench&scope=openid")
  [[ $status == 200 ]] || { echo "bench: GET /tokens answered $status:"; cat "$work/token.json"; echo; tail -20 "$log"; exit 1; }
}
heap_mib() { # heap used after a full GC, in MiB: the sum of the heap's (or its generations') "used"
  jcmd "$broker_pid" GC.run >/dev/null
  jcmd "$broker_pid" GC.heap_info | awk '!/Metaspace|class space/ && /(heap|generation|Gen) +total/ {
      for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); used += v } }
    END { printf "%.1f", used / 1024 }'
}
rss_mib() { echo $(( $(ps -o rss= -p "$broker_pid") / 1024 )); }
policy_ms() { sed -n 's/.*event=callers_policy .* millis=\([0-9]*\).*/\1/p' "$log" | sed -n "${1:-1}p"; } # $1: which load
idle_cpu() { # share of one core the idle broker uses over IDLE seconds, in %
  local before after
  before=$(cpu_ticks)
  sleep "$idle"
  after=$(cpu_ticks)
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$idle" 'BEGIN { printf "%.1f", ticks / hz / s * 100 }'
}
reload_one() { # $1: callers count: appends a caller to the last file; reload_ms: the reload's, once the new caller is served
  local last new
  last=$(find "$work/callers-$1" -name '*.yaml' | sort | tail -1)
  new=$prefix-added-$1
  { cat "$last"; printf '  - name: svc-added\n    api-key-sha256: %s\n    service-account: team-added/svc-added\n    grants:\n      - credential: bench\n        scopes: [openid]\n' \
      "$(printf %s "$new" | sha256sum | cut -d' ' -f1)"; } >"$work/changed.tmp"
  mv "$work/changed.tmp" "$last"
  for _ in $(seq 1 1200); do
    [[ -n $(policy_ms 2) ]] && break
    sleep 0.1
  done
  [[ -n $(policy_ms 2) ]] || { echo "bench: the changed file was not reloaded in 120 s:"; tail -20 "$log"; exit 1; }
  first_token "$new"
  first_token "$(cat "$work/callers-$1.last")"
  reload_ms=$(policy_ms 2)
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$broker_pid/stat"; } # user + system, in clock ticks

# wrk as bench/run.sh runs it (no warm-up here: warm() does it per broker); prints "requests/s p50 p99 cpu"
load() { # $1: key, $2: seconds
  local before after
  before=$(cpu_ticks)
  wrk -t2 -c"$connections" --latency -H "Authorization: Bearer $1" -d"${2}s" \
    "http://127.0.0.1:$port/tokens?credential=bench&scope=openid" >"$work/wrk.out"
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
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# rate NAME KEY...: each key warmed up, then ROUNDS rounds taking the keys in turn; $work/NAME.KEYINDEX.rounds
rate() {
  local name=$1 k
  shift
  for k in "$@"; do load "$k" "$warmup" >/dev/null; done
  for _ in $(seq "$rounds"); do
    local index=0
    for k in "$@"; do load "$k" "$duration" >>"$work/$name.$index.rounds"; index=$((index + 1)); done
  done
}
rate_cells() { # $1: rounds file, $2: requests/s it is compared with (or empty): "rps | vs | p50 | p99 | cpu"
  local rps p50 p99 cpu
  rps=$(cut -d' ' -f1 "$1" | median); p50=$(cut -d' ' -f2 "$1" | median)
  p99=$(cut -d' ' -f3 "$1" | median); cpu=$(cut -d' ' -f4 "$1" | median)
  echo "$rps | $(if [[ -n $2 ]]; then awk -v a="$rps" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo 1.00; fi) | $p50 | $p99 | $cpu"
}

uptime_load() { uptime | sed 's/.*load average: //'; }
load_before=$(uptime_load)
declare -A files_of
for n in 1 "$small" "$large"; do # before a file changes
  files_of[$n]="$(find "$work/callers-$n" -name '*.yaml' | wc -l) ($(dir_sizes "$work/callers-$n"))"
done
declare -A ready_first ready_all ready_cpu heap rss loaded idle_pct reload
for n in 1 "$small" "$large"; do
  start_broker "$n" "$work/callers-$n"
  ready_first[$n]=$ready_s
  ready_all[$n]="$ready_s "
  ready_cpu[$n]="$ready_cpu_s "
  loaded[$n]=$(policy_ms)
  first_token "$(cat "$work/callers-$n.first")"
  first_token "$(cat "$work/callers-$n.last")"
  heap[$n]=$(heap_mib)
  rss[$n]=$(rss_mib)
  idle_pct[$n]=$(idle_cpu)
  if [[ $n == 1 ]]; then
    rate "rate-$n" "$(cat "$work/callers-$n.first")"
  else
    rate "rate-$n" "$(cat "$work/callers-$n.first")" "$(cat "$work/callers-$n.last")"
    reload_one "$n"
    reload[$n]=$reload_ms
  fi
  stop_broker
done
for _ in $(seq 2 "$starts"); do
  for n in 1 "$small" "$large"; do
    start_broker "$n-again" "$work/callers-$n"
    ready_all[$n]+="$ready_s "
    ready_cpu[$n]+="$ready_cpu_s "
    stop_broker
  done
done
ready_median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
per_caller() { awk -v h="${heap[$1]}" -v h1="${heap[1]}" -v n="$1" 'BEGIN { printf "%.0f", (h - h1) * 1048576 / (n - 1) }'; }

echo
echo "callers in files: product jar, prod profile, plain HTTP, no Redis, JVM options $opts; $(java -version 2>&1 | head -1)"
echo "on $(nproc) cores, shared; $(date -u +%F); load average before: $load_before; after: $(uptime_load)"
echo
echo "| callers | files (largest file, all) | ready s, first start | ready s, median of $starts (range) | CPU s to ready, median (range) | files loaded and merged ms, first start (broker log) | heap used after full GC MiB | heap per caller bytes (vs 1 caller) | RSS MiB | idle CPU % of a core | one file changed: reload ms (broker log) |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in 1 "$small" "$large"; do
  echo "| $n | ${files_of[$n]} | ${ready_first[$n]} | $(ready_median "${ready_all[$n]}") | $(ready_median "${ready_cpu[$n]}") | ${loaded[$n]:-?} | ${heap[$n]} | $([[ $n == 1 ]] && echo - || per_caller "$n") | ${rss[$n]} | ${idle_pct[$n]} | ${reload[$n]:--} |"
done
echo
echo "GET /tokens from the in-process tier: wrk -t2 -c$connections, ${warmup}s warm-up per key, median of $rounds rounds of ${duration}s, keys in turns"
echo
echo "| broker | caller | requests/s | vs | p50 ms | p99 ms | broker CPU µs/request |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
one_rps=$(cut -d' ' -f1 "$work/rate-1.0.rounds" | median)
echo "| 1 caller | the only one | $(rate_cells "$work/rate-1.0.rounds" "") |"
for n in "$small" "$large"; do
  first_rps=$(cut -d' ' -f1 "$work/rate-$n.0.rounds" | median)
  echo "| $n callers | first of the first file (vs 1 caller) | $(rate_cells "$work/rate-$n.0.rounds" "$one_rps") |"
  echo "| $n callers | last of the last file (vs first) | $(rate_cells "$work/rate-$n.1.rounds" "$first_rps") |"
done
echo
echo "upstream calls for all brokers (one per broker start that served a token): $(curl -sf "http://127.0.0.1:$ims_port/count")"
