#!/usr/bin/env bash
# The Debian package installed for real: `dpkg -i` in a private mount namespace whose /usr, /etc
# and /var are overlays of this machine's (writes go to WORK; the machine is untouched), with /run
# and /tmp empty, so there is no systemd to start the service (this machine's PID 1 is not
# systemd). Then, as systemd would: the installed osteon runs as the osteon user on the installed
# /etc/osteon/osteon.toml (ports changed by editing it, as an admin does) with NOTIFY_SOCKET and
# WATCHDOG_USEC, tells READY and feeds the watchdog, stores a phantom sent by storescu, and the
# installed osteonctl (no --config: it finds /etc/osteon/osteon.toml) sees the job finished.
# SIGHUP (systemctl reload) gives RELOADING then READY; SIGTERM gives STOPPING and exit 0. Last,
# dpkg -r keeps the data and the user; dpkg -P deletes both.
#   install_test.sh DEB_DIR OSTEON_PHANTOM WORK
set -euo pipefail
. "$(dirname "$0")/lib.sh"
deb_dir=$1 phantom=$2 work=$3
if [ -z "${OSTEON_INSTALL_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || skip "needs root (dpkg -i into overlays of /usr, /etc and /var in a private mount namespace)"
  unshare -m --propagation private true 2>/dev/null || skip "mount namespaces are not available"
  rm -rf "$work"; mkdir -p "$work"
  exec unshare -m --propagation private env OSTEON_INSTALL_NS=1 "$0" "$@"
fi

deb=$(ls "$deb_dir"/osteon_*_amd64.deb)
dirs="usr etc var"; [ -L /lib ] || dirs="$dirs lib"
for d in $dirs; do
  mkdir -p "$work/$d/upper" "$work/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$work/$d/upper,workdir=$work/$d/work" "/$d"
done
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
cd /

as_osteon() { setpriv --reuid=osteon --regid=osteon --init-groups "$@"; }
wait_for() {  # wait_for SECONDS FILE PATTERN [COUNT]: until FILE holds PATTERN COUNT times
  local n=0
  while [ "$(grep -c -- "$3" "$2" 2>/dev/null || true)" -lt "${4:-1}" ]; do
    n=$((n + 1)); [ $n -le $(($1 * 10)) ] || return 1; sleep 0.1
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "--- dpkg -i $(basename "$deb")"
dpkg -i "$deb"
check "the osteon system user exists" "getent passwd osteon | grep -q ':/var/lib/osteon:/usr/sbin/nologin'"
check "/var/lib/osteon is osteon's, 0750" "[ \"\$(stat -c '%U:%G %a' /var/lib/osteon)\" = 'osteon:osteon 750' ]"
check "/etc/osteon/osteon.toml is root:osteon 0640" "[ \"\$(stat -c '%U:%G %a' /etc/osteon/osteon.toml)\" = 'root:osteon 640' ]"
check "the service is enabled (multi-user.target wants it)" "[ -L /etc/systemd/system/multi-user.target.wants/osteon.service ]"
verify=$(systemd-analyze verify /lib/systemd/system/osteon.service 2>&1) && verified=0 || verified=$?
echo "$verify"
check "systemd-analyze verify passes on the unit" "[ $verified = 0 ] && ! grep -qi 'osteon.service.*\\(unknown\\|invalid\\|failed\\)' <<<'$verify'"
check "osteon --check-config on the installed configuration" \
  "as_osteon /usr/bin/osteon --check-config --config /etc/osteon/osteon.toml"

# The admin's edit: free ports instead of 11112 and 8080.
port=$(free_port) http_port=$(free_port)
sed -i -e "s/^port = 11112 /port = $port /" -e "s/^port = 8080 /port = $http_port /" /etc/osteon/osteon.toml
check "the edited ports are in the conffile" "grep -q '^port = $port ' /etc/osteon/osteon.toml && grep -q '^port = $http_port ' /etc/osteon/osteon.toml"

# systemd's side of sd_notify: a datagram socket whose messages go to a file, one per line.
python3 - "$work/notify.log" > /dev/null 2>&1 <<'PY' &
import os, socket, sys
path = "/run/osteon-notify.sock"
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
PY
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
while [ ! -S /run/osteon-notify.sock ]; do sleep 0.1; done

echo "--- the installed osteon, as the service runs it"
# (setpriv execs env, env execs osteon: $! is the node's own pid, as systemd's MAINPID is)
setpriv --reuid=osteon --regid=osteon --init-groups env NOTIFY_SOCKET=/run/osteon-notify.sock WATCHDOG_USEC=2000000 \
  /usr/bin/osteon --config /etc/osteon/osteon.toml > "$work/node.log" 2>&1 &
node=$!
trap 'kill -KILL $node $listener 2>/dev/null || true' EXIT
check "READY=1 once listening with the models loaded" "wait_for 180 '$work/notify.log' 'READY=1'"
check "the models were loaded from /usr/share/osteon/models" "grep -q 'inference.model_loaded' '$work/node.log' && ! grep -q 'inference.no_models' '$work/node.log'"
check "watchdog keep-alives (WATCHDOG_USEC=2s: every second)" "wait_for 5 '$work/notify.log' 'WATCHDOG=1' 2"
check "data in /var/lib/osteon" "[ -f /var/lib/osteon/osteon.db ]"

"$phantom" --kind hand --count 1 --seed 7 --out "$work/phantom" --quiet
file=$(find "$work/phantom" -name '*.dcm' | head -1)
check "storescu stores a hand phantom" "storescu -aet MODALITY -aec OSTEON 127.0.0.1 $port '$file'"
state=""
for _ in $(seq 1 600); do
  state=$(as_osteon /usr/bin/osteonctl --json jobs | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[0]["state"] if j else "")')
  case "$state" in done|failed|not-analysable) break ;; esac
  sleep 0.2
done
check "the installed osteonctl (finding /etc/osteon/osteon.toml) sees the bone age job done (got '$state')" "[ '$state' = done ]"

kill -HUP $node
check "SIGHUP: RELOADING=1, then READY=1 again" "wait_for 20 '$work/notify.log' 'RELOADING=1' && wait_for 20 '$work/notify.log' 'READY=1' 2"
check "the node logged the reload" "grep -q node.reloaded '$work/node.log'"
kill -TERM $node
rc=0; timeout 60 tail --pid=$node -f /dev/null || rc=timeout
wait $node || rc=$?
check "SIGTERM: STOPPING=1 and exit 0 (got $rc)" "[ $rc = 0 ] && grep -q 'STOPPING=1' '$work/notify.log'"
kill $listener 2>/dev/null || true

out=$(setpriv --reuid=osteon --regid=osteon --init-groups /usr/bin/osteon --config /etc/osteon/osteon.toml --port 104 2>&1) && rc=0 || rc=$?
check "port 104 without the capability: start-up fails saying how to grant it" "[ $rc != 0 ] && grep -q 'CAP_NET_BIND_SERVICE' <<<\"\$out\""
echo "--- dpkg -r, then dpkg -P"
dpkg -r osteon
check "remove: binaries gone" "[ ! -e /usr/bin/osteon ]"
check "remove: data and user kept" "[ -f /var/lib/osteon/osteon.db ] && getent passwd osteon >/dev/null"
check "remove: the edited conffile kept" "grep -q '^port = $port ' /etc/osteon/osteon.toml"
dpkg -P osteon
check "purge: data, user and configuration gone" "[ ! -e /var/lib/osteon ] && ! getent passwd osteon >/dev/null && [ ! -e /etc/osteon/osteon.toml ]"
if [ $fail != 0 ]; then echo "--- node log"; cat "$work/node.log"; echo "--- notify log"; cat "$work/notify.log"; fi
exit $fail
