#!/usr/bin/env bash
# Apache Kafka (KRaft broker) for the Kafka tests and bench: no broker is packaged in Debian or npm,
# so the broker's jars come from Maven Central through Maven (cached in ~/.m2) into
# ~/.cache/headwater/kafka-<version>/libs. Idempotent. Under CI=true a failure is fatal; elsewhere
# the Kafka tests skip themselves, saying what is missing.
set -euo pipefail
# shellcheck source=lib/maven-fetch.sh
source "$(dirname "$0")/lib/maven-fetch.sh"

version="${HEADWATER_KAFKA_VERSION:-3.9.1}"
dir="${HEADWATER_KAFKA_HOME:-$HOME/.cache/headwater/kafka-$version}"
libs="$dir/libs"

give_up() {
  echo "install-kafka: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-kafka: continuing; the Kafka tests will be skipped" >&2
  exit 0
}

if [ -f "$libs/.complete" ]; then
  echo "install-kafka: Kafka $version present in $libs"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"

rm -rf "$libs"
mkdir -p "$libs"
echo "install-kafka: fetching Kafka $version jars from Maven Central into $libs"
maven_fetch kafka-broker "$libs" "
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>" \
  || give_up "mvn could not fetch org.apache.kafka:kafka_2.13:$version"
touch "$libs/.complete"
echo "install-kafka: done ($(ls "$libs" | wc -l) jars)"
