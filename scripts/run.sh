#!/bin/sh
# Entry point of every npm script: Node 24 on PATH, dependencies installed, then the task.
#   sh scripts/run.sh <task> [args]   runs scripts/<task>.ts
#   sh scripts/run.sh exec <cmd> ...  runs a command from node_modules/.bin
set -e
ATENDO_ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
export ATENDO_ROOT
cd "$ATENDO_ROOT"
. "$ATENDO_ROOT/scripts/node-env.sh"

# Install (or reinstall) dependencies when package-lock.json changed since the last install.
stamp=node_modules/.atendo-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "atendo: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
  cp package-lock.json "$stamp"
fi
PATH="$ATENDO_ROOT/node_modules/.bin:$PATH"
export PATH

task=$1
shift
if [ "$task" = exec ]; then
  exec "$@"
fi
exec node --import tsx "scripts/$task.ts" "$@"
