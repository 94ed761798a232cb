#!/usr/bin/env bash
# Benchmark of the packaged broker, on loopback only, printed as one table:
#   - GET /ping (the floor: the same server doing no work), GET /tokens from the in-process tier, from the Redis
#     tier alone (tokenbroker.cache.local-enabled=false), and from the in-process tier asked by the last of
#     CALLERS (10,000) callers, all in the central JVM profile; /ping and the in-process tier again in the sidecar
#     JVM profile (the chart's `sidecar` values);
#   - per path: requests/s, p50/p99 (wrk) and the broker's CPU time per request (from /proc/<pid>/stat: steadier
#     than requests/s on a shared machine);
#   - per JVM profile: time from start to ready, RSS idle and after load; the idle broker's CPU with CREDENTIALS
#     (1,000) credential directories mounted; how long the callers file of CALLERS entries took to load;
#   - both profiles again on JDK 25 (JDK25, default /usr/lib/jvm/temurin-25-jdk-amd64, skipped when it is missing)
#     with an AOT cache (JEP 483, 515) in place of the AppCDS archive: one training run per profile, with the same GC
#     and flags as the measured start, that serves tokens for TRAINING seconds (default 10) and stops, then the
#     measured start with -XX:AOTCache (which refuses -Xshare and SharedArchiveFile); RSS split into its anonymous and
#     file-backed parts (/proc/<pid>/status RssAnon, RssFile);
#   - the time to ready once more, as the median (and range) of STARTS (default 5) further starts per profile and JDK,
#     taken in turns, since one start on a shared machine varies by a few tenths of a second;
#   - where the sidecar's start and memory go, on each JDK, in a start of its own (NativeMemoryTracking costs):
#     JVM creation, classes loaded and from the archive, class loading, initialisation, JIT and GC time, the
#     threads' CPU by kind (jcmd PerfCounter.print at readiness), and after load the JVM's own account of its
#     memory by area (jcmd VM.native_memory summary) beside the RSS.
# Each path is warmed up first (WARMUP seconds, default 30): with wrk on the same two cores the JIT has little CPU to
# spare, and after 10 s some runs still cost 3-4x the CPU per request that the same jar costs once warm.
# Needs: java, redis-server, python3, curl, wrk (Debian: apt-get install wrk). Builds the jar only if it is missing.
# Usage: bench/run.sh [DURATION_SECONDS] [CONNECTIONS]
#   env: JAR (default target/token-broker.jar), WARMUP, IDLE (seconds of idle CPU measured, default 30), CREDENTIALS, CALLERS,
#        SIDECAR_CREDENTIALS (default 10: a sidecar mounts its own application's credentials, not the cluster's),
#        CENTRAL_OPTS (default -Xmx256m with the AppCDS archive), SIDECAR_OPTS (default: the chart's sidecar profile);
#        both defaults use an AppCDS archive made here the way the Dockerfile makes it; JDK25, TRAINING, STARTS
#        MODE=traces: only GET /ping and the in-process tier (central), with traces off (the default), with traces on
#        (exported over OTLP/HTTP to bench/otlp-sink.py, which discards them) and, with BASELINE_JAR set, that jar's
#        in-process tier (e.g. the commit before traces), all in one run
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15}
connections=${2:-32}
warmup=${WARMUP:-30}
idle=${IDLE:-30}
credentials=${CREDENTIALS:-1000}
sidecar_credentials=${SIDECAR_CREDENTIALS:-10}
callers=${CALLERS:-10000}
training=${TRAINING:-10}
starts=${STARTS:-5}
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
java25=$jdk25/bin/java
[[ -x $java25 ]] || java25=
java17=$(command -v java)
jvm=$java17 # the JVM start_broker starts
for tool in java redis-server python3 curl wrk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (wrk: apt-get install wrk)"; exit 1; }
done
[[ -n ${JAR:-} || -f target/token-broker.jar ]] || mvn -B -q package -DskipTests
jar=${JAR:-$PWD/target/token-broker.jar}
mode=${MODE:-all}
run_jar=$jar     # the jar start_broker starts
extra_opts=""    # more JVM options for start_broker

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The JVM profiles, both with class-data sharing from the archive made below, as the image uses its own in both
# modes. Sidecar: helm/token-broker/values.yaml `sidecar` (keep the two alike): gcOptions, javaOptions, eventLoops
# and workerThreads.
# On JDK 25 the same profiles without the archive options, and with an AOT cache of their own (below).
archive=$work/app-cds.jsa
central_base="-Xmx256m"
sidecar_base="-XX:+UseSerialGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
-Xms8m -Xmx32m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=24m -XX:MaxDirectMemorySize=16m -Xss256k \
-XX:CICompilerCount=2 -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=2000 \
-Dquarkus.vertx.event-loops-pool-size=1 -Dquarkus.thread-pool.max-threads=8"
central_opts=${CENTRAL_OPTS:-$central_base -XX:SharedArchiveFile=$archive -Xshare:auto}
sidecar_opts=${SIDECAR_OPTS:-$sidecar_base -XX:SharedArchiveFile=$archive -Xshare:auto}
central25_opts="$central_base -XX:AOTCache=$work/central.aot"
sidecar25_opts="$sidecar_base -XX:AOTCache=$work/sidecar.aot"

# The AppCDS archive, made as the Dockerfile's AppCDS step makes it (keep the two alike), by the JVM that will use
# it: the classes a start of the broker loaded up to "started" (here on free ports), then dumped.
if [[ $central_opts$sidecar_opts == *"$archive"* ]]; then
  mkdir "$work/app-cds"
  java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Djava.io.tmpdir="$work/app-cds" \
    -Dquarkus.http.port="$(free_port)" -Dquarkus.management.port="$(free_port)" \
    -XX:DumpLoadedClassList="$work/app-cds/classes.lst" -jar "$jar" >"$work/app-cds/start.log" 2>&1 &
  classlist_pid=$!
  pids+=("$classlist_pid")
  for _ in $(seq 1 120); do
    if grep -qs ' started in ' "$work/app-cds/start.log" || ! kill -0 "$classlist_pid" 2>/dev/null; then break; fi
    sleep 1
  done
  kill "$classlist_pid" 2>/dev/null || true
  wait "$classlist_pid" || true
  grep -qs ' started in ' "$work/app-cds/start.log" || { echo "bench: the class-list start failed:"; cat "$work/app-cds/start.log"; exit 1; }
  java -Xshare:dump -XX:+UseSerialGC -XX:SharedClassListFile="$work/app-cds/classes.lst" -XX:SharedArchiveFile="$archive" \
    -jar "$jar" >"$work/app-cds/dump.log" 2>&1 || { echo "bench: the archive dump failed:"; cat "$work/app-cds/dump.log"; exit 1; }
fi

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
ims_port=$(free_port)
python3 bench/stand-in-ims.py "$ims_port" &
pids+=($!)

# CREDENTIALS credential directories, one of them (bench) asked for; the callers file with the bench caller alone,
# and with CALLERS - 1 others listed before it.
key=bench-key-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
python3 - "$work" "$credentials" "$callers" "$ims_port" "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" "$sidecar_credentials" <<'PY'
import os, secrets, sys
work, credentials, callers, ims_port, digest = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
sidecar_credentials = int(sys.argv[6])
for i in range(credentials):
    name = "bench" if i == 0 else "cred-%04d" % i
    for mount in ["credentials"] + (["credentials-sidecar"] if i < sidecar_credentials else []):
        os.makedirs(f"{work}/{mount}/{name}")
        for file, value in {"client_id": f"client-{i}", "client_secret": "bench-secret", "scopes": "openid,AdobeID",
                            "token_url": f"http://127.0.0.1:{ims_port}/ims/token/v3"}.items():
            with open(f"{work}/{mount}/{name}/{file}", "w") as f:
                f.write(value)
bench = f"  - name: bench\n    api-key-sha256: {digest}\n    grants:\n      - credential: bench\n        scopes: [\"*\"]\n"
with open(f"{work}/callers-1.yaml", "w") as f:
    f.write("callers:\n" + bench)
with open(f"{work}/callers-{callers}.yaml", "w") as f:
    f.write("callers:\n")
    for i in range(callers - 1):
        f.write(f"  - name: caller-{i}\n    api-key-sha256: {secrets.token_hex(32)}\n"
                f"    grants:\n      - credential: cred-{1 + i % max(credentials - 1, 1):04d}\n        scopes: [openid]\n")
    f.write(bench)
PY
encryption_key=$(head -c 32 /dev/urandom | base64)

start_broker() { # $1: name, $2: JVM options, $3: local tier on (true/false), $4: callers file, $5: credentials mount (default credentials)
  port=$(free_port)
  management=$(free_port)
  log=$work/broker-$1.log
  local start
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # JVM options: word-split on purpose
  "$jvm" $2 -Dquarkus.http.port="$port" -Dquarkus.management.port="$management" \
    -Dquarkus.redis.hosts="redis://127.0.0.1:$redis_port" -Dtokenbroker.cache.encryption-key="$encryption_key" \
    -Dtokenbroker.cache.local-enabled="$3" -Dtokenbroker.credentials.dir="$work/${5:-credentials}" \
    -Dtokenbroker.callers.file="$4" -Dquarkus.log.level=WARN -Dquarkus.log.category.\"dev.tokenbroker.caller\".level=INFO \
    $extra_opts -jar "$run_jar" >"$log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$management/q/health/ready" >/dev/null; then
      ready_s=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
      tokens_url="http://127.0.0.1:$port/tokens?credential=bench&scope=openid"
      curl -sf -H "$auth" "$tokens_url" >/dev/null && return 0
      echo "bench: the first token request failed:"; curl -s -H "$auth" "$tokens_url"; echo; tail -20 "$log"; exit 1
    fi
    sleep 0.05
  done
  echo "bench: the broker did not start"; cat "$log"; exit 1
}
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$broker_pid/stat"; } # user + system, in clock ticks
rss_mib() { echo $(( $(ps -o rss= -p "$broker_pid") / 1024 )); }
rss_parts() { # "RSS (anonymous + file-backed)" in MiB, from /proc/<pid>/status
  awk '/^VmRSS/ { r = $2 } /^RssAnon/ { a = $2 } /^RssFile/ { f = $2 }
       END { printf "%d (%d + %d)", r / 1024, a / 1024, f / 1024 }' "/proc/$broker_pid/status"
}
idle_cpu() { # share of one core the idle broker uses over IDLE seconds, in %
  sleep 5
  local before after
  before=$(cpu_ticks)
  sleep "$idle"
  after=$(cpu_ticks)
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$idle" 'BEGIN { printf "%.2f", ticks / hz / s * 100 }'
}

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
row() { # $1: label, $2: "rps p50 p99 cpu", $3: rps of the row it is compared with
  read -r rps p50 p99 cpu <<<"$2"
  echo "| $1 | $rps | $p50 | $p99 | $(awk -v a="$rps" -v b="$3" 'BEGIN { printf "%.2f", a / b }') | $cpu |"
}
uptime_load() { uptime | sed 's/.*load average: //'; }

# train_aot NAME OPTIONS CALLERS MOUNT: the AOT cache $work/NAME.aot, made on JDK 25 by a start with the measured
# profile's options that serves tokens for TRAINING seconds and is stopped (SIGTERM): at exit the JVM writes the
# cache from what it loaded, linked and profiled (-XX:AOTCacheOutput, JEP 514's one step), as the Dockerfile does.
train_aot() {
  jvm=$java25
  start_broker "train-$1" "$2 -XX:AOTCacheOutput=$work/$1.aot" true "$3" "$4"
  curl -sf "http://127.0.0.1:$port/ping" >/dev/null
  wrk -t2 -c"$connections" -H "$auth" -d"${training}s" "$tokens_url" >/dev/null
  stop_broker
  jvm=$java17
  grep -qs 'AOTCache creation is complete' "$work/broker-train-$1.log" \
    || { echo "bench: the AOT cache $1 was not written:"; tail -20 "$work/broker-train-$1.log"; exit 1; }
}

# breakdown NAME JVM OPTIONS: a start of the sidecar profile with native memory tracking, for where its start-up
# and memory go (bench/jvm-breakdown.py): the rest of each table row in $work/NAME.start and $work/NAME.memory
breakdown() {
  jvm=$2
  local jcmd_bin
  jcmd_bin=$(dirname "$(readlink -f "$jvm")")/jcmd
  start_broker "$1" "$3 -XX:NativeMemoryTracking=summary" true "$work/callers-1.yaml" credentials-sidecar
  "$jcmd_bin" "$broker_pid" PerfCounter.print >"$work/$1.perf"
  echo "$ready_s $(python3 bench/jvm-breakdown.py start "$broker_pid" "$work/$1.perf")" >"$work/$1.start"
  load "$tokens_url" "$auth" >/dev/null
  "$jcmd_bin" "$broker_pid" VM.native_memory summary >"$work/$1.nmt"
  python3 bench/jvm-breakdown.py memory "$broker_pid" "$work/$1.nmt" >"$work/$1.memory"
  stop_broker
  jvm=$java17
}

auth="Authorization: Bearer $key"
load_before=$(uptime_load)

if [[ $mode == traces ]]; then
  sink_port=$(free_port)
  python3 bench/otlp-sink.py "$sink_port" &
  pids+=($!)
  start_broker central "$central_opts" true "$work/callers-1.yaml"
  ready_off=$ready_s
  ping=$(load "http://127.0.0.1:$port/ping" "")
  memory=$(load "$tokens_url" "$auth")
  stop_broker
  extra_opts="-Dquarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:$sink_port -Dquarkus.otel.exporter.otlp.traces.protocol=http/protobuf"
  start_broker traces "$central_opts" true "$work/callers-1.yaml"
  ready_on=$ready_s
  traced=$(load "$tokens_url" "$auth")
  stop_broker
  extra_opts=""
  if [[ -n ${BASELINE_JAR:-} ]]; then
    run_jar=$BASELINE_JAR
    start_broker baseline "$central_opts" true "$work/callers-1.yaml"
    ready_baseline=$ready_s
    baseline=$(load "$tokens_url" "$auth")
    stop_broker
    run_jar=$jar
  fi
  echo
  echo "MODE=traces; wrk -t2 -c$connections, ${warmup}s warm-up and ${duration}s measured per path, on $(nproc) cores; $(date -u +%F)"
  echo "load average before: $load_before; after: $(uptime_load)"
  echo "OTLP exports received by the sink (requests, bytes): $(curl -sf "http://127.0.0.1:$sink_port/count")"
  echo "ready s: traces off $ready_off, traces on $ready_on, BASELINE_JAR ${ready_baseline:--}"
  echo
  echo "| path | requests/s | p50 ms | p99 ms | vs | broker CPU µs/request |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  read -r ping_rps _ <<<"$ping"
  read -r memory_rps _ <<<"$memory"
  row "GET /ping (floor), central" "$ping" "$ping_rps"
  row "GET /tokens, in-process tier, traces off (vs /ping)" "$memory" "$ping_rps"
  [[ -z ${baseline:-} ]] || row "GET /tokens, in-process tier, BASELINE_JAR (vs traces off)" "$baseline" "$memory_rps"
  row "GET /tokens, in-process tier, traces on (vs traces off)" "$traced" "$memory_rps"
  exit 0
fi

start_broker central "$central_opts" true "$work/callers-1.yaml"
central_ready=$ready_s
central_idle_cpu=$(idle_cpu)
central_rss_idle=$(rss_mib)
ping=$(load "http://127.0.0.1:$port/ping" "")
memory=$(load "$tokens_url" "$auth")
central_rss_load=$(rss_parts)
stop_broker

start_broker callers "$central_opts" true "$work/callers-$callers.yaml"
callers_ms=$(sed -n "s/.*event=callers_loaded .*callers=$callers millis=\([0-9]*\).*/\1/p" "$log" | head -1)
many_callers=$(load "$tokens_url" "$auth")
stop_broker

start_broker redis "$central_opts" false "$work/callers-1.yaml"
redis=$(load "$tokens_url" "$auth")
stop_broker

start_broker sidecar "$sidecar_opts" true "$work/callers-1.yaml" credentials-sidecar
sidecar_ready=$ready_s
sleep 5
sidecar_rss_idle=$(rss_mib)
sidecar_ping=$(load "http://127.0.0.1:$port/ping" "")
sidecar_memory=$(load "$tokens_url" "$auth")
sidecar_rss_load=$(rss_parts)
stop_broker

if [[ -n $java25 ]]; then
  train_aot central "$central_base" "$work/callers-1.yaml" credentials
  jvm=$java25
  start_broker central25 "$central25_opts" true "$work/callers-1.yaml"
  jvm=$java17
  central25_ready=$ready_s
  sleep 5
  central25_rss_idle=$(rss_mib)
  central25_memory=$(load "$tokens_url" "$auth")
  central25_rss_load=$(rss_parts)
  stop_broker

  train_aot sidecar "$sidecar_base" "$work/callers-1.yaml" credentials-sidecar
  jvm=$java25
  start_broker sidecar25 "$sidecar25_opts" true "$work/callers-1.yaml" credentials-sidecar
  jvm=$java17
  sidecar25_ready=$ready_s
  sleep 5
  sidecar25_rss_idle=$(rss_mib)
  sidecar25_memory=$(load "$tokens_url" "$auth")
  sidecar25_rss_load=$(rss_parts)
  stop_broker
fi

# STARTS starts of each profile and JDK to ready (and a first token), in turns; "median (min-max)" in ready_NAME.
declare -A ready_all
for i in $(seq "$starts"); do
  for profile in central sidecar central25 sidecar25; do
    [[ $profile != *25 || -n $java25 ]] || continue
    case $profile in
      central) jvm=$java17 options=$central_opts mount=credentials ;;
      sidecar) jvm=$java17 options=$sidecar_opts mount=credentials-sidecar ;;
      central25) jvm=$java25 options=$central25_opts mount=credentials ;;
      sidecar25) jvm=$java25 options=$sidecar25_opts mount=credentials-sidecar ;;
    esac
    start_broker "$profile-start$i" "$options" true "$work/callers-1.yaml" "$mount"
    ready_all[$profile]+="$ready_s "
    stop_broker
  done
done
jvm=$java17
ready_median() { tr ' ' '\n' <<<"${ready_all[$1]}" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

breakdown breakdown17 "$java17" "$sidecar_opts"
[[ -z $java25 ]] || breakdown breakdown25 "$java25" "$sidecar25_opts"
upstream_calls=$(curl -sf "http://127.0.0.1:$ims_port/count")

echo
echo "wrk -t2 -c$connections, ${warmup}s warm-up and ${duration}s measured per path, on $(nproc) cores; $(date -u +%F)"
echo "load average before: $load_before; after: $(uptime_load)"
echo "central profile: ${central_opts//$work/<work>}"
echo "sidecar profile: ${sidecar_opts//$work/<work>}"
echo "JDK 17: $("$java17" -version 2>&1 | head -1)"
if [[ -n $java25 ]]; then
  echo "JDK 25: $("$java25" -version 2>&1 | head -1); profiles as above without the AppCDS options, with"
  echo "  -XX:AOTCache=<work>/central.aot and <work>/sidecar.aot, each from a training run with the same options that served tokens for ${training}s"
fi
echo
echo "| path | requests/s | p50 ms | p99 ms | vs | broker CPU µs/request |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
read -r ping_rps _ <<<"$ping"
read -r memory_rps _ <<<"$memory"
row "GET /ping (floor), central" "$ping" "$ping_rps"
row "GET /tokens, in-process tier, central (vs /ping)" "$memory" "$ping_rps"
row "GET /tokens, Redis tier only, central (vs /ping)" "$redis" "$ping_rps"
row "GET /tokens, in-process, last of $callers callers (vs 1 caller)" "$many_callers" "$memory_rps"
row "GET /ping, sidecar (vs central)" "$sidecar_ping" "$ping_rps"
row "GET /tokens, in-process tier, sidecar (vs central)" "$sidecar_memory" "$memory_rps"
if [[ -n $java25 ]]; then
  read -r sidecar_memory_rps _ <<<"$sidecar_memory"
  row "GET /tokens, in-process tier, central, JDK 25 + AOT cache (vs JDK 17)" "$central25_memory" "$memory_rps"
  row "GET /tokens, in-process tier, sidecar, JDK 25 + AOT cache (vs JDK 17)" "$sidecar25_memory" "$sidecar_memory_rps"
fi
echo
echo "| JVM profile | ready s, measured start | ready s, median of $starts starts (range) | RSS idle MiB | RSS after load MiB (anonymous + file-backed) |"
echo "| --- | ---: | ---: | ---: | ---: |"
echo "| central, JDK 17 + AppCDS | $central_ready | $(ready_median central) | $central_rss_idle | $central_rss_load |"
[[ -z $java25 ]] || echo "| central, JDK 25 + AOT cache | $central25_ready | $(ready_median central25) | $central25_rss_idle | $central25_rss_load |"
echo "| sidecar, JDK 17 + AppCDS | $sidecar_ready | $(ready_median sidecar) | $sidecar_rss_idle | $sidecar_rss_load |"
[[ -z $java25 ]] || echo "| sidecar, JDK 25 + AOT cache | $sidecar25_ready | $(ready_median sidecar25) | $sidecar25_rss_idle | $sidecar25_rss_load |"
echo "(central with $credentials credential directories mounted, sidecar with $sidecar_credentials)"
echo
echo "Where the sidecar's start goes, at readiness (a start of its own, with -XX:NativeMemoryTracking=summary; times in ms,"
echo "from the JVM's counters: class loading and class initialisation overlap, since an initialiser loads further classes;"
echo "JIT compiling runs on the compiler threads beside the main thread; CPU by thread is user + system since the start):"
echo
echo "| sidecar | ready s | JVM created | classes loaded | from archive/cache | class loading | class init | JIT compiling (methods) | GC | CPU by thread |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
echo "| JDK 17 + AppCDS | $(cat "$work/breakdown17.start")"
[[ -z $java25 ]] || echo "| JDK 25 + AOT cache | $(cat "$work/breakdown25.start")"
echo
echo "Where the sidecar's memory goes, after load (MiB; the JVM's committed memory by area, NativeMemoryTracking):"
echo
echo "| sidecar | RSS (anon + file) | JVM committed | heap | class (metadata) | metaspace | shared class space | code cache | threads | symbols | arena | rest |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| JDK 17 + AppCDS $(cat "$work/breakdown17.memory")"
[[ -z $java25 ]] || echo "| JDK 25 + AOT cache $(cat "$work/breakdown25.memory")"
echo
echo "idle broker with $credentials credential directories (central): ${central_idle_cpu}% of one core over ${idle}s"
echo "callers file of $callers entries loaded in ${callers_ms:-?} ms"
echo "upstream calls for all runs (one credential and scope set, one token lifetime, one Redis): $upstream_calls"
