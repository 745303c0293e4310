#!/bin/sh
# Run the whole test command with the system clock set to another day, to prove that nothing the
# course shows or checks moves with the calendar (pitfalls/asof.py):
#
#   scripts/test_on_date.sh 2028-06-01                 # make test's pytest, on that day
#   scripts/test_on_date.sh 2027-12-01 tests/test_asof.py -q
#
# Needs Debian's faketime (`apt-get install faketime`) and a C compiler. libfaketime 0.9.10 fakes
# CLOCK_MONOTONIC but does not intercept sem_clockwait, so every Python Lock.acquire(timeout)
# (Condition.wait, Event.wait: the local AWS's SQS long polling) would wait for the faked offset,
# about forever; scripts/faketime/semclock.c moves such deadlines onto the real clock. Nothing else
# is changed: the day every process sees is the faked one.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
day=${1:?usage: scripts/test_on_date.sh YYYY-MM-DD [pytest arguments]}
shift
command -v faketime >/dev/null || { echo "test_on_date: faketime not found (apt-get install faketime)" >&2; exit 2; }
shim="$root/.faketime/semclock.so"
if [ ! -f "$shim" ] || [ "$root/scripts/faketime/semclock.c" -nt "$shim" ]; then
  mkdir -p "$root/.faketime"
  cc -shared -fPIC -O2 -o "$shim" "$root/scripts/faketime/semclock.c" -ldl
fi
cd "$root"
if [ $# -eq 0 ]; then
  set -- -n "${PYTEST_WORKERS:-2}" --dist loadfile tests notebooks --nbval \
    --nbval-sanitize-with tests/nbval_sanitize.cfg
fi
LD_PRELOAD="$shim${LD_PRELOAD:+:$LD_PRELOAD}" exec faketime "$day 12:00:00" .venv/bin/python -m pytest "$@"
