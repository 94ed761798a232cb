####
# token-broker container image: one Quarkus uber-jar and its AppCDS archive on an OpenJDK 17 runtime.
#
#   docker build -t token-broker:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9000:9000 token-broker:0.1.0
#
# The base images are build arguments (docs/deploying.md, "Building the image"): BUILDER_IMAGE, a JDK 17 with
# Maven, and RUNTIME_IMAGE, any OpenJDK 17.0.11+ runtime with a POSIX shell (the entry point is the project's own
# start script, not one vendor's). The defaults are Docker Official Images pinned by digest: the image index digests
# that docker-library/repo-info records for these tags (repos/eclipse-temurin/remote/17-jre-noble.md at commit
# eb5ffcc, Temurin 17.0.19+10 on Ubuntu 24.04; repos/maven/remote/3.9-eclipse-temurin-17.md at commit 1fd86ba,
# Temurin 17.0.20+8). The tag before the digest is for the reader: the digest decides what is pulled, and a pull
# fails rather than take other content. docs/releasing.md says how to move them.
# JAR=prebuilt takes target/token-broker.jar from the build context instead of building it in BUILDER_IMAGE
# (.ci/image-checks does, where no registry can be reached): `mvn -B package -DskipTests` first. Only the stages
# the target needs are built (BuildKit, Podman/Buildah), so the other jar source is neither built nor pulled.
# Podman 4.3 (Buildah 1.28) sees which stage `FROM jar-${JAR}` names only when JAR is passed: with it, pass
# `--build-arg JAR=build` (or prebuilt) explicitly.
###
ARG BUILDER_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-17@sha256:42a3ac393abbc64dae6c96703e5ead2e921fe9103371ac58b5b404b0d6a26502
ARG RUNTIME_IMAGE=docker.io/library/eclipse-temurin:17-jre-noble@sha256:2893ab7c8930d0d8454bc0689a353d39323794dfff48d13fafda1540371fbb11
ARG JAR=build

# The first stage builds the application (tests run in CI, not here).
FROM ${BUILDER_IMAGE} AS build
WORKDIR /build
COPY pom.xml .
COPY src/main src/main
# pom.xml packages the uber-jar target/token-broker.jar (quarkus.package.output-name).
RUN mvn -B -DskipTests package

FROM scratch AS jar-build
COPY --from=build /build/target/token-broker.jar /token-broker.jar

FROM scratch AS jar-prebuilt
COPY target/token-broker.jar /token-broker.jar

FROM jar-${JAR} AS jar

# The runtime stage is the Dockerfile.jvm that Quarkus generates, for the uber-jar instead of the fast-jar, with a
# class-data sharing archive made by the image's own JVM and the project's start script as entry point.
# JDK 17, not a JDK 25 runtime with an AOT cache (JEP 483, 515): bench/run.sh measured the cache starting both JVM
# profiles sooner (central 1.23 s against 1.83 s, the sidecar 0.93 s against 1.35 s) but holding more memory in both
# (after load 342 against 335 MiB, and 148 against 134 MiB), at the same CPU per request (docs/benchmark.md).
FROM ${RUNTIME_IMAGE}

ENV LANGUAGE='en_US:en'
WORKDIR /deployments

# One layer, the uber-jar, not the fast-jar's four (lib, *.jar, app, quarkus) that let an image of changed code
# reuse the library layers. On JDK 17 a CDS archive holds no class that the fast-jar's RunnerClassLoader loads,
# only the JDK's and those on the system class path, which in an uber-jar are all of them: with the archive below
# the broker is ready in 1.0-1.9 s instead of 2.3-2.6 s (measured on 2 cores). That is paid at every start of every
# pod, the sidecar's in each application pod included; a re-pull of the whole jar (39 MB) only once per release.
# Root's, like the start script: the broker's user reads them and can change neither.
COPY --from=jar /token-broker.jar /deployments/token-broker.jar
# The entry point: sizes the heap from the container's memory limit and takes the chart's JVM options
# (GC_CONTAINER_OPTIONS, JAVA_OPTS_APPEND), as the UBI images' run-java.sh did; on any JRE base.
COPY src/main/docker/token-broker.sh /usr/local/bin/token-broker

# 8080: the API; 9000: the management interface (health, metrics).
EXPOSE 8080 9000

# Class-data sharing (AppCDS), used in both modes (JAVA_OPTS_APPEND below; the chart's sidecar profile sets it too):
# an archive of the classes loaded up to "started", listed by a start of the broker that this step stops once the
# log says so (at most 120 s), then dumped. Not -Dquarkus.appcds.generate=true: it stops only a jar built with
# quarkus.package.jar.appcds.enabled, and before runtime initialisation, so its list lacks a third of the classes.
# Made by this image's JVM, since an archive works only with the JVM that wrote it; by root, since the base image's
# /deployments belongs to root, so the archive is root's and read-only; nothing is left in /tmp. A JVM that cannot
# map it (-Xshare:auto) starts without it. The start script executable whatever the build's umask (not so the jar: a
# chmod here would copy its 39 MB into this layer again).
# The check first: the chart's sidecar profile sets -XX:TrimNativeHeapInterval, an OpenJDK 17.0.11+ option, and a
# JVM without it refuses to start.
USER root
RUN set -e; \
    java -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=2000 -version > /dev/null 2>&1 \
      || { echo "this JVM lacks -XX:TrimNativeHeapInterval (OpenJDK 17.0.11+), which the chart's sidecar profile sets"; exit 1; }; \
    chmod 755 /usr/local/bin/token-broker; \
    mkdir /tmp/app-cds; \
    java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Djava.io.tmpdir=/tmp/app-cds \
      -XX:DumpLoadedClassList=/tmp/app-cds/classes.lst -jar /deployments/token-broker.jar > /tmp/app-cds/start.log 2>&1 & \
    pid=$!; \
    for _ in $(seq 1 120); do \
      if grep -qs ' started in ' /tmp/app-cds/start.log || ! kill -0 $pid 2> /dev/null; then break; fi; sleep 1; \
    done; \
    kill $pid 2> /dev/null || true; wait $pid || true; \
    grep -qs ' started in ' /tmp/app-cds/start.log || { cat /tmp/app-cds/start.log; exit 1; }; \
    java -Xshare:dump -XX:+UseSerialGC -XX:SharedClassListFile=/tmp/app-cds/classes.lst \
      -XX:SharedArchiveFile=/deployments/app-cds.jsa -jar /deployments/token-broker.jar > /tmp/app-cds/dump.log 2>&1 \
      || { cat /tmp/app-cds/dump.log; exit 1; }; \
    chmod 444 /deployments/app-cds.jsa; \
    rm -rf /tmp/app-cds
USER 185

# The sidecar profile (what the chart sets in sidecar mode, helm/token-broker/values.yaml `sidecar`): a small heap,
# the Serial GC, bounded metaspace, code cache, direct memory and thread stacks, one event loop, few workers, the
# native heap trimmed every 2 s (glibc keeps the JIT compiler's freed memory otherwise), AppCDS:
#   docker run -e GC_CONTAINER_OPTIONS=-XX:+UseSerialGC -e QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE=1 \
#     -e QUARKUS_THREAD_POOL_MAX_THREADS=8 -e JAVA_OPTS_APPEND="-Djava.util.logging.manager=org.jboss.logmanager.LogManager \
#     -Xms8m -Xmx32m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=24m -XX:MaxDirectMemorySize=16m -Xss256k \
#     -XX:CICompilerCount=2 -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=2000 \
#     -XX:SharedArchiveFile=/deployments/app-cds.jsa -Xshare:auto" ... token-broker:0.1.0
# Unlike the generated file, no -Dquarkus.http.host=0.0.0.0 here: a system property would outrank the
# QUARKUS_HTTP_HOST=127.0.0.1 that sidecar mode sets, and 0.0.0.0 is already the production default.
ENV JAVA_OPTS_APPEND="-Djava.util.logging.manager=org.jboss.logmanager.LogManager -XX:SharedArchiveFile=/deployments/app-cds.jsa -Xshare:auto"
ENV JAVA_APP_JAR="/deployments/token-broker.jar"

ENTRYPOINT [ "/usr/local/bin/token-broker" ]
