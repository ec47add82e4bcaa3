#!/usr/bin/env bash
# OpenSSH server for the SSH tunnel tests (test/services/sshd.ts runs private instances on loopback;
# the system service is never started). Idempotent; run as root.
set -euo pipefail
if [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null; then
  echo "openssh-server: already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends openssh-server openssh-client
# Debian's package may start the system daemon: the tests need only the binary.
if command -v systemctl >/dev/null && systemctl is-active --quiet ssh 2>/dev/null; then systemctl stop ssh || true; fi
