# Sourced by scripts/run.sh: puts Node 24 first on PATH.
# The system Node may be older (Debian ships 20), so Node 24 comes from the npm registry
# (package node-<platform>-<arch>) into the project-local .tools/ folder, once.
NODE_WANT_MAJOR=24
NODE_WANT_VERSION=24.21.0

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" != "$NODE_WANT_MAJOR" ]; then
  case "$(uname -s)" in
    Linux) plat=linux ;;
    Darwin) plat=darwin ;;
    *) echo "atendo: unsupported OS $(uname -s); install Node $NODE_WANT_MAJOR yourself" >&2; exit 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "atendo: unsupported CPU $(uname -m); install Node $NODE_WANT_MAJOR yourself" >&2; exit 1 ;;
  esac
  tools="$ATENDO_ROOT/.tools/node"
  bin="$tools/node_modules/node-$plat-$arch/bin"
  if [ ! -x "$bin/node" ] || [ "$("$bin/node" -v)" != "v$NODE_WANT_VERSION" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "atendo: npm is missing; install Node.js (any version with npm) first" >&2
      exit 1
    fi
    echo "atendo: fetching Node $NODE_WANT_VERSION into .tools/ (system Node is $(node -v 2>/dev/null || echo absent))" >&2
    npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund \
      "node-$plat-$arch@$NODE_WANT_VERSION" >&2 || exit 1
  fi
  PATH="$bin:$PATH"
  export PATH
fi
