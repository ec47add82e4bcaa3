#!/usr/bin/env bash
# Debezium's MongoDB source connector jars (Maven Central) for the test that checks a generated
# debezium-mongodb config against the connector's own ConfigDef (FerretDB has no change streams, so
# the connector is never run here). Into ~/.cache/headwater/debezium-mongodb-<version>/libs.
# Idempotent. Under CI=true a failure is fatal; elsewhere that test skips itself, saying why.
set -euo pipefail
# shellcheck source=../lib/maven-fetch.sh
source "$(dirname "$0")/../lib/maven-fetch.sh"

version="${HEADWATER_DEBEZIUM_VERSION:-3.0.8.Final}"
kafka_version="${HEADWATER_KAFKA_VERSION:-3.9.1}"
dir="${HEADWATER_DEBEZIUM_MONGODB_HOME:-$HOME/.cache/headwater/debezium-mongodb-$version}"
libs="$dir/libs"

give_up() {
  echo "debezium-mongodb: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "debezium-mongodb: continuing; the Debezium MongoDB config check will be skipped" >&2
  exit 0
}

if [ -f "$libs/.complete" ]; then
  echo "debezium-mongodb: Debezium MongoDB connector $version present in $libs"
  exit 0
fi
command -v mvn >/dev/null || give_up "mvn is not installed"
rm -rf "$libs"
mkdir -p "$libs"
maven_fetch debezium-mongodb "$libs" "
    <dependency><groupId>io.debezium</groupId><artifactId>debezium-connector-mongodb</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-api</artifactId><version>$kafka_version</version></dependency>" \
  || give_up "mvn could not fetch io.debezium:debezium-connector-mongodb:$version"
touch "$libs/.complete"
echo "debezium-mongodb: done ($(ls "$libs" | wc -l) jars)"
