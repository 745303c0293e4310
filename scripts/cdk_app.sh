#!/bin/sh
# The `app` of cdk.json: run app.py with the course's Python, the .venv that `make` set up when
# there is one, else the active interpreter (conda, Binder).
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -x "$root/.venv/bin/python" ]; then
  exec "$root/.venv/bin/python" "$root/app.py" "$@"
fi
exec python3 "$root/app.py" "$@"
