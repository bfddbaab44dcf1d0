#!/usr/bin/env bash
# First start: initialise $PGDATA with a password-protected superuser and database named
# $POSTGRES_USER (default platform); the password comes from $POSTGRES_PASSWORD or the file in
# $POSTGRES_PASSWORD_FILE and is never written anywhere but the password file read by initdb.
# Every start: run postgres in the foreground, listening on all addresses, password auth only.
set -euo pipefail

user="${POSTGRES_USER:-platform}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password="${POSTGRES_PASSWORD:-}"
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then password="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
  if [ -z "$password" ]; then
    echo "postgres-entrypoint: set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) for the first start" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$password" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '*'"
    echo "password_encryption = 'scram-sha-256'"
    echo "unix_socket_directories = '/tmp'"
  } >>"$PGDATA/postgresql.conf"
  {
    echo "local all all scram-sha-256"
    echo "host all all all scram-sha-256"
  } >"$PGDATA/pg_hba.conf"
  # The database the platform uses, created through a local server that accepts no TCP connections.
  PGPASSWORD="$password" pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  PGPASSWORD="$password" createdb --host=/tmp --username="$user" "$user"
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres-entrypoint: initialised $PGDATA (user and database: $user)"
fi
exec postgres -D "$PGDATA"
