# Multi-stage build: compile and package with Maven, run on a JRE.
#   docker build -t hepatrial .
#   docker run -p 8080:8080 -v hepatrial-data:/app/data hepatrial                       # embedded H2
#   docker run -p 8080:8080 -e QUARKUS_PROFILE=pg \
#     -e HEPATRIAL_PG_URL=jdbc:postgresql://db:5432/hepatrial -e HEPATRIAL_PG_USER=hepatrial \
#     -e HEPATRIAL_PG_PASSWORD=secret hepatrial                                          # PostgreSQL
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
RUN useradd --system --uid 1001 hepatrial && mkdir -p /app/data && chown hepatrial /app/data
COPY --from=build --chown=hepatrial /src/target/quarkus-app/ /app/
USER hepatrial
EXPOSE 8080
VOLUME /app/data
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
