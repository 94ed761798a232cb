####
# token-broker container image: the Quarkus fast-jar on a UBI 9 OpenJDK 17 runtime.
#
#   docker build -t token-broker:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9000:9000 token-broker:0.1.0
#
# The first stage builds the application (tests run in CI, not here); the second is the
# Dockerfile.jvm that Quarkus generates for the fast-jar, with the base image pinned.
###

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml .
COPY src/main src/main
# appcds.enabled builds the step that lets -Dquarkus.appcds.generate=true stop the application once it has loaded
# its classes (its archive, made by this stage's JVM, is not copied: see the AppCDS step below).
RUN mvn -B -DskipTests package -Dquarkus.package.jar.appcds.enabled=true

FROM registry.access.redhat.com/ubi9/openjdk-17-runtime:1.23

ENV LANGUAGE='en_US:en'

# We make four distinct layers so if there are application changes the library layers can be re-used
COPY --from=build --chown=185 /build/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build --chown=185 /build/target/quarkus-app/*.jar /deployments/
COPY --from=build --chown=185 /build/target/quarkus-app/app/ /deployments/app/
COPY --from=build --chown=185 /build/target/quarkus-app/quarkus/ /deployments/quarkus/

# 8080: the API; 9000: the management interface (health, metrics).
EXPOSE 8080 9000
USER 185

# Class-data sharing (AppCDS) for the sidecar profile: an archive of the classes loaded while Quarkus initialises
# (the JDK's and those of lib/boot; JDK 17 archives no classes of Quarkus's own class loader), made by this image's
# own JVM, since an archive works only with the JVM that wrote it. Unused unless the JVM is started with
# -XX:SharedArchiveFile=/deployments/app-cds.jsa; a JVM that cannot map it (-Xshare:auto) starts without it.
RUN java -XX:DumpLoadedClassList=/tmp/classes.lst -Dquarkus.appcds.generate=true -jar /deployments/quarkus-run.jar \
    && java -Xshare:dump -XX:SharedClassListFile=/tmp/classes.lst -XX:SharedArchiveFile=/deployments/app-cds.jsa \
       -jar /deployments/quarkus-run.jar \
    && rm /tmp/classes.lst

# The sidecar profile (what the chart sets in sidecar mode, helm/token-broker/values.yaml `sidecar`): a small heap,
# the Serial GC, bounded metaspace, code cache, direct memory and thread stacks, one event loop, few workers, AppCDS:
#   docker run -e GC_CONTAINER_OPTIONS=-XX:+UseSerialGC -e QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE=1 \
#     -e QUARKUS_THREAD_POOL_MAX_THREADS=8 -e JAVA_OPTS_APPEND="-Djava.util.logging.manager=org.jboss.logmanager.LogManager \
#     -Xms8m -Xmx48m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=24m -XX:MaxDirectMemorySize=16m -Xss512k \
#     -XX:CICompilerCount=2 -XX:SharedArchiveFile=/deployments/app-cds.jsa -Xshare:auto" ... token-broker:0.1.0
# Unlike the generated file, no -Dquarkus.http.host=0.0.0.0 here: a system property would outrank the
# QUARKUS_HTTP_HOST=127.0.0.1 that sidecar mode sets, and 0.0.0.0 is already the production default.
ENV JAVA_OPTS_APPEND="-Djava.util.logging.manager=org.jboss.logmanager.LogManager"
ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"

ENTRYPOINT [ "/opt/jboss/container/java/run/run-java.sh" ]
