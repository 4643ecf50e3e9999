#!/bin/sh
# The lab's runner, inside the guest as root (from the payload disk at /lab, started by
# mydocker-lab.service): the test files listed in /lab/tests, their TAP written to the second
# serial port (ttyS1, which qemu hands to the host), and last a line "# lab-exit N" with node's
# exit status. The guest powers off when this returns.
out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
exec >"$out" 2>&1

# qemu's user-mode network with restrict=on: a server-like address and default route, through
# which nothing is reachable. Without a network card (-nic none) there is only loopback.
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then
  ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
fi

echo "# lab: kernel $(uname -r), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB"
# What a freshly booted stock kernel has loaded before mydocker runs (overlay: nothing yet).
modules() { awk '{print $1}' /proc/modules | grep -E '^(overlay|bridge|veth|br_netfilter|nf_tables|nft_[a-z]+|ip_tables|iptable_[a-z]+|x_tables|xt_[a-zA-Z]+|nf_nat|loop)$' | sort | tr '\n' ' '; }
echo "# lab: modules before the tests: $(modules)"
set -a
. /lab/env
set +a
export PATH="/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
cd /lab/project || { echo "# lab-exit 1"; exit 1; }
# shellcheck disable=SC2046 # one test path a line, none with spaces
node --test --test-reporter=tap --test-concurrency=1 $(cat /lab/tests)
status=$?
echo "# lab: modules after the tests: $(modules)"
echo "# lab-exit $status"
sync
