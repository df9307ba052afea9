#!/usr/bin/env bash
# Start the local services the test suite uses when they are not already running.
# PostgreSQL: trust auth on 127.0.0.1:5432, role `root`, database `test`.
# Mosquitto: 127.0.0.1:1883.
set -euo pipefail

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
if pg_ready; then
  # root may lack a role on a fresh machine: create it (and the test database) as postgres.
  if ! psql -h 127.0.0.1 -U root -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -tAc \"create role root superuser login\"" || true
  fi
  if ! psql -h 127.0.0.1 -U root -d postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1; then
    psql -h 127.0.0.1 -U root -d postgres -c 'create database test' || true
  fi
else
  echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  [ "${CI:-}" = "true" ] && exit 1
fi

if command -v mosquitto >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  echo "starting Mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
fi
