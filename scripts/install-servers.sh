#!/usr/bin/env bash
# Installs the test servers that each have their own script in scripts/servers/ (one file per
# server, so adding a source kind's server touches no shared list). Each script is idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shopt -s nullglob
for script in scripts/servers/*.sh; do
  echo "-- $script"
  bash "$script"
done
