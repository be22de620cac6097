#!/usr/bin/env bash
# The whole suite on SQLite and, at the same time, on PostgreSQL at $1 (empty: SQLite only).
# The suite mostly waits (Temporal timers, loopback HTTP), so the two runs share the cores well.
# Each run writes var/test-<database>.log; both are followed here, each line marked with its run.
set -u
cd "$(dirname "$0")/.."
postgres_url="${1:-}"
pytest=(.venv/bin/python -m pytest -p no:cacheprovider)
if [ -z "$postgres_url" ]; then
  exec "${pytest[@]}"
fi
mkdir -p var/pytest
: > var/test-sqlite.log
: > var/test-postgresql.log
( "${pytest[@]}" --basetemp=var/pytest/sqlite 2>&1; echo "exit $?" ) \
  | sed -u 's/^/[sqlite] /' >> var/test-sqlite.log &
sqlite=$!
( COUNTERFOIL_TEST_POSTGRES_URL="$postgres_url" "${pytest[@]}" --basetemp=var/pytest/postgresql 2>&1; echo "exit $?" ) \
  | sed -u 's/^/[postgresql] /' >> var/test-postgresql.log &
postgresql=$!
tail -q -n +1 -f var/test-sqlite.log var/test-postgresql.log &
follow=$!
wait "$sqlite" "$postgresql"
sleep 0.5
kill "$follow" 2>/dev/null
wait "$follow" 2>/dev/null
echo "Exit codes: $(grep -h '^\[[a-z]*\] exit ' var/test-sqlite.log var/test-postgresql.log | tr '\n' ' ')"
grep -q '^\[sqlite\] exit 0$' var/test-sqlite.log && grep -q '^\[postgresql\] exit 0$' var/test-postgresql.log
