#!/usr/bin/env bash
# Caller authentication cost: GET /tokens with a remembered ServiceAccount token next to GET /tokens with a
# static key, against one packaged broker, in the same run. The token itself is served from the in-process
# cache in both cases, so the difference is what authenticating the caller costs.
#
#   bench/auth-bench.sh [seconds-per-run] [connections] [rounds]      (defaults: 15, 16 and 3)
#
# Each round loads the broker with the static key, then with the ServiceAccount token; the summary gives the
# median of the rounds, since on a shared machine single runs vary.
#
# Needs JDK 17, Maven, openssl and xxd; uses wrk when installed (apt-get install -y wrk), else a Java
# HttpClient loop (bench/AuthBench.java; LOAD=java forces it). Builds the demo jar, target/token-broker-demo.jar, first
# (its stand-in token endpoint mints the one token the run needs) unless SKIP_BUILD=1. Everything listens on 127.0.0.1 only and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_SECONDS=${1:-15}
CONNECTIONS=${2:-16}
ROUNDS=${3:-3}
ISSUER=https://kubernetes.default.svc.cluster.local
WORK=$(mktemp -d)
BROKER_PID=
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the demo jar ..."
  mvn -B -q package -DskipTests -Pdemo
fi
PORT=$(free_port)
MANAGEMENT_PORT=$(free_port)

# A cluster's signing key, its JWKS as a file, and a projected-style ServiceAccount token (RS256, 1 hour).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/sa.key" 2>/dev/null
N=$(openssl rsa -in "$WORK/sa.key" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"bench-1","n":"%s","e":"AQAB"}]}' "$N" > "$WORK/jwks.json"
NOW=$(date +%s)
HEADER=$(printf '{"alg":"RS256","kid":"bench-1"}' | b64url)
PAYLOAD=$(printf '{"iss":"%s","aud":["token-broker"],"sub":"system:serviceaccount:bench:app","iat":%d,"nbf":%d,"exp":%d}' \
  "$ISSUER" "$NOW" "$NOW" $((NOW + 3600)) | b64url)
SIGNATURE=$(printf '%s.%s' "$HEADER" "$PAYLOAD" | openssl dgst -sha256 -sign "$WORK/sa.key" -binary | b64url)
JWT="$HEADER.$PAYLOAD.$SIGNATURE"
KEY=$(openssl rand -hex 32)

# One credential (minted by the demo build's stand-in endpoint) and two callers: one per kind.
mkdir -p "$WORK/credentials/bench"
printf demo-client-id > "$WORK/credentials/bench/client_id"
printf demo-client-secret > "$WORK/credentials/bench/client_secret"
printf openid > "$WORK/credentials/bench/scopes"
printf 'http://127.0.0.1:%s/demo/ims/token/v3' "$PORT" > "$WORK/credentials/bench/token_url"
cat > "$WORK/callers.yaml" <<YAML
callers:
  - name: bench-key
    api-key-sha256: $(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
    grants: [{credential: bench, scopes: ["*"]}]
  - name: bench-sa
    service-account: bench/app
    grants: [{credential: bench, scopes: ["*"]}]
YAML

TOKENBROKER_CREDENTIALS_DIR="$WORK/credentials" TOKENBROKER_CALLERS_FILE="$WORK/callers.yaml" \
TOKENBROKER_KUBERNETES_JWKS_URL="$WORK/jwks.json" TOKENBROKER_KUBERNETES_ISSUER="$ISSUER" \
QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$PORT" QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
QUARKUS_MANAGEMENT_PORT="$MANAGEMENT_PORT" \
  java -Dquarkus.profile=demo -jar target/token-broker-demo.jar > "$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/q/health/ready" > /dev/null && break
  kill -0 "$BROKER_PID" 2>/dev/null || { cat "$WORK/broker.log"; exit 1; }
  sleep 0.5
done
URL="http://127.0.0.1:$PORT/tokens?credential=bench"
for bearer in "$KEY" "$JWT"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bearer" "$URL")
  [ "$status" = 200 ] || { echo "GET /tokens answered $status"; tail -20 "$WORK/broker.log"; exit 1; }
done

load() { # name bearer seconds
  if [ "${LOAD:-wrk}" = wrk ] && command -v wrk > /dev/null; then
    wrk -t2 -c"$CONNECTIONS" -d"$3"s --latency -H "Authorization: Bearer $2" "$URL" > "$WORK/$1.out"
    awk -v name="$1" '/Requests\/sec/ {rps=$2} /^ +Latency +[0-9]/ {avg=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
      END {printf "%-24s %10.0f req/s   latency avg %s p50 %s p99 %s\n", name, rps, avg, p50, p99}' "$WORK/$1.out"
  else
    java bench/AuthBench.java "$URL" "Bearer $2" "$3" "$CONNECTIONS" "$1"
  fi
}

median() { # name: the median req/s of its rounds
  grep "^$1 " "$WORK/results" | awk '{print $2}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}'
}

echo "broker: $(java -version 2>&1 | head -1); $(nproc) cores; ${CONNECTIONS} connections; ${RUN_SECONDS}s per run; $( [ "${LOAD:-wrk}" = wrk ] && command -v wrk > /dev/null && echo wrk || echo AuthBench.java)"
load warm-up-key "$KEY" 10 > /dev/null
load warm-up-service-account "$JWT" 10 > /dev/null
for _ in $(seq 1 "$ROUNDS"); do
  load static-key "$KEY" "$RUN_SECONDS" | tee -a "$WORK/results"
  load service-account-token "$JWT" "$RUN_SECONDS" | tee -a "$WORK/results"
done
echo "median of $ROUNDS rounds: static key $(median static-key) req/s, remembered ServiceAccount token $(median service-account-token) req/s"
echo "ServiceAccount token checks (signature verified once, then remembered):"
curl -s "http://127.0.0.1:$MANAGEMENT_PORT/q/metrics" | grep '^tokenbroker_service_account_tokens_total' || true
