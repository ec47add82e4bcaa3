#!/usr/bin/env bash
# Kafka Connect (standalone worker) and the Debezium PostgreSQL connector for the connector proof
# test: jars from Maven Central through Maven (cached in ~/.m2) into
# ~/.cache/headwater/kafka-connect-<kafka>-debezium-<debezium>/, with the worker's classpath in libs/
# and the connector in plugins/debezium-connector-postgres/ (the layout Connect's plugin.path reads:
# one folder of jars per plugin, isolated from the worker's own classes). Idempotent. Under CI=true a
# failure is fatal; elsewhere the test skips itself, saying what is missing.
set -euo pipefail
# shellcheck source=lib/maven-fetch.sh
source "$(dirname "$0")/lib/maven-fetch.sh"

kafka_version="${HEADWATER_KAFKA_VERSION:-3.9.1}"
# Debezium 3.0 is built against Kafka 3.8/3.9 and needs Java 17.
debezium_version="${HEADWATER_DEBEZIUM_VERSION:-3.0.8.Final}"
dir="${HEADWATER_KAFKA_CONNECT_HOME:-$HOME/.cache/headwater/kafka-connect-$kafka_version-debezium-$debezium_version}"
libs="$dir/libs"
plugin="$dir/plugins/debezium-connector-postgres"

give_up() {
  echo "install-kafka-connect: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-kafka-connect: continuing; the Kafka Connect test will be skipped" >&2
  exit 0
}

if [ -f "$dir/.complete" ]; then
  echo "install-kafka-connect: Kafka Connect $kafka_version + Debezium $debezium_version present in $dir"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"

rm -rf "$libs" "$plugin"
mkdir -p "$libs" "$plugin"
echo "install-kafka-connect: fetching connect-runtime $kafka_version into $libs"
# The env/file/directory config providers live in kafka-clients, which connect-runtime brings.
maven_fetch worker "$libs" "
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId><version>$kafka_version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-json</artifactId><version>$kafka_version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>" \
  || give_up "mvn could not fetch org.apache.kafka:connect-runtime:$kafka_version"
echo "install-kafka-connect: fetching debezium-connector-postgres $debezium_version into $plugin"
# Kafka's own jars are 'provided' in Debezium's pom, so the runtime scope leaves them to the worker.
maven_fetch debezium "$plugin" "
    <dependency><groupId>io.debezium</groupId><artifactId>debezium-connector-postgres</artifactId><version>$debezium_version</version></dependency>" \
  || give_up "mvn could not fetch io.debezium:debezium-connector-postgres:$debezium_version"
touch "$dir/.complete"
echo "install-kafka-connect: done ($(ls "$libs" | wc -l) worker jars, $(ls "$plugin" | wc -l) connector jars)"
