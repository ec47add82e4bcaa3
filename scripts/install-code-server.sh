#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench + extension host running on this machine's Node)
# into .vscode-test/code-server for the host and UI tests. Electron cannot be downloaded here, so
# this replaces @vscode/test-electron. Recipe: shared notes "vscode-extension-host.md".
# Idempotent: a marker file records a complete install of this exact version. Under CI=true a
# failure is fatal; elsewhere it is a warning and the host/UI tests skip themselves, saying why.
set -euo pipefail

version="4.100.3"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="${CODE_SERVER_DIR:-$repo_root/.vscode-test/code-server}"
marker="$install_dir/.installed-$version"

if [ -f "$marker" ]; then
  echo "install-code-server: code-server $version already installed in $install_dir"
  exit 0
fi

give_up() {
  echo "install-code-server: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-code-server: continuing; the extension-host and UI tests will be skipped" >&2
  exit 0
}

for tool in node npm rg; do
  command -v "$tool" >/dev/null || give_up "'$tool' missing; run scripts/install-system.sh"
done
if [ ! -f /usr/include/krb5.h ] && [ ! -f /usr/include/krb5/krb5.h ]; then
  give_up "Kerberos headers missing (libkrb5-dev); run scripts/install-system.sh"
fi

# node-pty's build step runs `npx node-gyp`, which must not stop to ask.
export npm_config_yes=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# A subshell so a failing step stops the install (set -e) and reaches give_up below.
set +e
(
  set -e
  echo "install-code-server: installing code-server $version into $install_dir"
  rm -rf "$install_dir"
  mkdir -p "$install_dir"
  cd "$install_dir"
  echo '{"name":"headwater-code-server","private":true}' > package.json

  # Its own postinstall fails as root and downloads ripgrep from GitHub, so skip scripts and do the
  # needed steps by hand.
  npm install --ignore-scripts --no-audit --no-fund "code-server@$version"
  npm rebuild argon2

  cd node_modules/code-server/lib/vscode
  npm install --omit=dev --ignore-scripts --no-audit --no-fund
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  npm rebuild
  (cd extensions && npm install --omit=dev --no-audit --no-fund)
  ln -sf code-linux.sh bin/remote-cli/code-server
  ln -sf browser-linux.sh bin/helpers/browser.sh

  # Smoke check: the entry point loads and reports its version. A throwaway HOME keeps it from
  # writing a default config into the real one.
  smoke_home="$(mktemp -d)"
  reported="$(HOME="$smoke_home" XDG_CONFIG_HOME="$smoke_home" XDG_DATA_HOME="$smoke_home" \
    node "$install_dir/node_modules/code-server/out/node/entry.js" --version 2>&1 | grep -E "^$version " || true)"
  rm -rf "$smoke_home"
  if [ -z "$reported" ]; then
    echo "install-code-server: code-server did not report version $version" >&2
    exit 1
  fi
  echo "install-code-server: done ($reported)"
)
status=$?
set -e
[ "$status" -eq 0 ] || give_up "installing code-server $version failed (exit $status); see the output above"

touch "$marker"
