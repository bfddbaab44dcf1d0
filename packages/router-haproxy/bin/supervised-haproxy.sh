#!/bin/sh
# Runs HAProxy in the foreground from the files platformd writes, for a supervisor that is not platformd: the
# router service of docker-compose.yml (and of a Swarm stack), which restarts it when it exits. platformd runs
# with PLATFORM_HAPROXY_SUPERVISOR=external and shares the directory with this container as a volume; it
# drives the proxy over admin.sock and reloads it over master.sock (packages/router-haproxy/README.md).
#
# Env: PLATFORM_ROUTER_DIR (default /var/lib/platform/router), PLATFORM_HAPROXY_BIN (default /usr/sbin/haproxy).
set -eu
dir="${PLATFORM_ROUTER_DIR:-/var/lib/platform/router}"
bin="${PLATFORM_HAPROXY_BIN:-/usr/sbin/haproxy}"
# On a first start platformd has not written the config yet: wait for it (it writes it whole, by rename).
waited=0
while [ ! -s "$dir/haproxy.cfg" ]; do
  if [ "$waited" -eq 0 ]; then echo "supervised-haproxy: waiting for platformd to write $dir/haproxy.cfg" >&2; fi
  waited=1
  sleep 0.2
done
exec "$bin" -W -db -S "$dir/master.sock,mode,600" -f "$dir/haproxy.cfg"
