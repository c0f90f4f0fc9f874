#!/usr/bin/env bash
# Runs a benchmark against a fresh server: bash bench/run.sh h2|pg [search|outcomes|bundle] [benchmark args...]
# Builds the jar if needed, starts it on an empty database (H2 under a temporary directory, or a
# new PostgreSQL database), runs bench/SearchBench.java (default), bench/OutcomesBench.java or
# bench/LargeBundleBench.java (the server then runs with -Xmx2g and a GC log the benchmark reads),
# prints the figures and stops the server. The server logs its GC pauses (-Xlog:gc), which the search
# benchmark reports per round. SERVER_OPTS adds JVM options to the server
# (e.g. SERVER_OPTS=-Dhepatrial.audit.enabled=false). SERVER_TIMES=1 adds the server's own time per
# request (its access log) to the search benchmark's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-h2}; shift || true
bench=SearchBench
case "${1:-}" in
  search) shift ;;
  outcomes) bench=OutcomesBench; shift ;;
  bundle) bench=LargeBundleBench; shift ;;
esac
[ -f target/quarkus-app/quarkus-run.jar ] || mvn -q -B -DskipTests package
work=$(mktemp -d)
env=()
if [ "$db" = pg ]; then
  name="hepatrial_bench_$$"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $name"
  env=(QUARKUS_PROFILE=pg HEPATRIAL_PG_URL="jdbc:postgresql://127.0.0.1:5432/$name")
fi
jvm=("-Xlog:gc:file=$work/gc.log")
# SERVER_TIMES=1: the server logs each request's own time (access log), and the search benchmark
# reports it beside what the clients measured
if [ "${SERVER_TIMES:-}" = 1 ]; then
  jvm+=(-Dquarkus.http.access-log.enabled=true -Dquarkus.http.record-request-start-time=true
        -Dquarkus.http.access-log.log-to-file=true -Dquarkus.http.access-log.log-directory="$work"
        -Dquarkus.http.access-log.base-file-name=access "-Dquarkus.http.access-log.pattern=%t %D %s %r")
fi
[ "$bench" = LargeBundleBench ] && jvm+=(-Xmx2g)
(cd "$work" && env "${env[@]}" java "${jvm[@]}" -Dhepatrial.security.enabled=false ${SERVER_OPTS:-} -jar "$OLDPWD/target/quarkus-app/quarkus-run.jar" > server.log 2>&1) &
server=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:8080/fhir/metadata && break; sleep 0.5; done
# this server's JVM (the subshell's child, or the subshell itself when bash ran java in it), not another one running here
pid=$(pgrep -P "$server" java || echo "$server")
echo "database=$db"
extra=()
[ "$bench" = SearchBench ] && extra=(gclog="$work/gc.log")
[ "$bench" = SearchBench ] && [ "${SERVER_TIMES:-}" = 1 ] && extra+=(accesslog="$work/access.log")
[ "$bench" = LargeBundleBench ] && { sleep 15; extra=(pid="$pid" gclog="$work/gc.log"); } # past the validator's warm-up
java "bench/$bench.java" base=http://127.0.0.1:8080/fhir "${extra[@]}" "$@"
echo "server_rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ')"
kill "$pid"; wait 2>/dev/null || true
[ "$db" = pg ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database $name" || true
