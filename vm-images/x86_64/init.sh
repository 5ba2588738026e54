#!/bin/sh
# kptrlab guest init, PID 1 on the host's root shared read-only over 9p: writable tmpfs
# where needed, eth0 on QEMU's user network, a dropbear SSH server with a host key made
# at boot, a ready marker on the console, and `reboot -f` on request (QEMU -no-reboot exits).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
bb=/bin/busybox

say() { echo "kptrlab-init: $*" > /dev/console; }
# A PID 1 that exits panics the kernel; stop the VM cleanly instead.
die() { say "FATAL: $*"; sync; $bb reboot -f; sleep 5; exit 1; }

# devtmpfs may already be mounted by the kernel (CONFIG_DEVTMPFS_MOUNT).
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t tmpfs -o mode=0755 tmpfs /run || die "mount /run"
mkdir -p /dev/pts /dev/shm /run/kptrlab
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || die "mount devpts"
mount -t tmpfs tmpfs /dev/shm
mount -t bpf bpf /sys/fs/bpf || say "no bpffs"
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,ro kptrlab-run /run/kptrlab || die "mount the run share"
. /run/kptrlab/params.env

# Host folders the orchestrator needs (cache, project, node) that a tmpfs below would hide.
for keep in $(echo "$KPTRLAB_KEEP" | tr ':' ' '); do
  [ -d "$keep" ] && mkdir -p "/run/keep$keep" && mount --bind "$keep" "/run/keep$keep"
done
mount -t tmpfs -o mode=1777 tmpfs /tmp || die "mount /tmp"
mount -t tmpfs -o mode=0700 tmpfs /root || die "mount /root"
mount -t tmpfs -o mode=0755 tmpfs /var || die "mount /var"
mkdir -p /var/log /var/tmp /var/lib && ln -s /run /var/run
for keep in $(echo "$KPTRLAB_KEEP" | tr ':' ' '); do
  [ -d "/run/keep$keep" ] && mkdir -p "$keep" 2>/dev/null && mount --bind "/run/keep$keep" "$keep"
done

$bb hostname kptrlab-guest
$bb ip link set lo up
$bb ip link set eth0 up || die "no eth0 (virtio_net missing?)"
$bb ip addr add 10.0.2.15/24 dev eth0
$bb ip route add default via 10.0.2.2

# Per-boot host key in tmpfs: the orchestrator pins it at first contact.
mkdir -p /root/.ssh /run/dropbear
cp /run/kptrlab/authorized_keys /root/.ssh/authorized_keys || die "no authorized_keys in the run share"
chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
dropbearkey -t ed25519 -f /run/dropbear/host_ed25519 > /dev/null 2>&1 || die "dropbearkey failed"
dropbear -F -E -s -p 22 -r /run/dropbear/host_ed25519 -P /run/dropbear.pid > /dev/console 2>&1 &

stop() { say "poweroff requested"; sync; $bb reboot -f; }
trap stop USR1 TERM
say "ready"
echo "$KPTRLAB_MARKER" > /dev/console
while :; do
  sleep 3600 &
  wait $!
done
