#!/bin/sh
# The image's entry point (Dockerfile): starts the broker's uber-jar on the JRE of whatever base image the
# image was built on (java from JAVA_HOME, else from the PATH), with the options of the UBI OpenJDK images'
# run-java.sh, which this replaces, read from the same environment variables, so that the chart's settings
# (helm/token-broker/templates/_container.tpl: GC_CONTAINER_OPTIONS and JAVA_OPTS_APPEND in sidecar mode) mean
# what they meant there:
#   JAVA_OPTS             when set and not empty, replaces the defaults below
#   JAVA_MAX_MEM_RATIO    the heap's share of the container's memory limit, in percent: -XX:MaxRAMPercentage
#                         (default 80; 0 leaves the JVM's own default, a quarter)
#   GC_CONTAINER_OPTIONS  the collector (default -XX:+UseParallelGC, with the heap kept small: free ratios 10-20%)
#   JAVA_OPTS_APPEND      last, so that an -Xmx there wins over the percentage (the image sets the LogManager and
#                         the AppCDS archive; the chart's sidecar profile sets them again with its own limits)
#   JAVA_APP_JAR          the jar (default /deployments/token-broker.jar)
# The JVM reads JAVA_TOOL_OPTIONS itself. Arguments go to the jar: `check --credentials DIR --callers FILE`, `hash-key`.
set -ef

java=java
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java=$JAVA_HOME/bin/java
fi

if [ -n "${JAVA_OPTS:-}" ]; then
  options=$JAVA_OPTS
else
  ratio=${JAVA_MAX_MEM_RATIO:-80}
  ratio=${ratio%%.*}
  options=
  if [ "$ratio" != 0 ]; then
    options="-XX:MaxRAMPercentage=$ratio.0"
  fi
  options="$options ${GC_CONTAINER_OPTIONS:--XX:+UseParallelGC} -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  options="$options -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90 -XX:+ExitOnOutOfMemoryError"
fi

# Unquoted on purpose: one word per option (globbing is off, set -f).
# shellcheck disable=SC2086
exec "$java" $options ${JAVA_OPTS_APPEND:-} -jar "${JAVA_APP_JAR:-/deployments/token-broker.jar}" "$@"
