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
RUN mvn -B -DskipTests package

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
# Unlike the generated file, no -Dquarkus.http.host=0.0.0.0 here: a system property would outrank the
# QUARKUS_HTTP_HOST=127.0.0.1 that sidecar mode sets, and 0.0.0.0 is already the production default.
ENV JAVA_OPTS_APPEND="-Djava.util.logging.manager=org.jboss.logmanager.LogManager"
ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"

ENTRYPOINT [ "/opt/jboss/container/java/run/run-java.sh" ]
