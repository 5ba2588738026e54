#!/bin/sh
# kptrlab arm64 guest init, PID 1 on the Debian arm64 rootfs shared read-only over 9p.
# Stage 1 builds a tmpfs root that bind-mounts the rootfs's top folders (a read-only root
# cannot grow the mount points for the host's project and cache paths) and chroots into it.
# Stage 2 mirrors vm-images/x86_64/init.sh: tmpfs where needed, the host shares at their host
# paths, eth0 on QEMU's user network, dropbear with a per-boot host key, the ready marker,
# and `reboot -f` on request (QEMU -no-reboot exits). mount is busybox's: the essential variant has no util-linux mount.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
bb=/bin/busybox
new=/mnt

say() { echo "kptrlab-init: $*" > /dev/console; }
# A PID 1 that exits panics the kernel; stop the VM cleanly instead.
die() { say "FATAL: $*"; sync; $bb reboot -f; sleep 5; exit 1; }

if [ "$1" != stage2 ]; then
  # After an initramfs switch_root nothing is mounted yet; with a built-in 9p root devtmpfs may be.
  $bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
  $bb mount -t tmpfs -o mode=0755 tmpfs $new || die "mount the tmpfs root"
  for entry in /*; do
    name=${entry#/}
    case "$name" in proc|sys|dev|run|tmp|root|var|mnt|lost+found) continue ;; esac
    if [ -L "$entry" ]; then
      $bb cp -a "$entry" "$new/$name"
    elif [ -d "$entry" ]; then
      $bb mkdir "$new/$name" && $bb mount --bind "$entry" "$new/$name" || die "bind $entry"
    fi
  done
  $bb mkdir -p $new/proc $new/sys $new/dev $new/run $new/tmp $new/root $new/var $new/mnt
  exec $bb chroot $new /bin/sh /kptrlab/init.sh stage2
  die "chroot failed"
fi

$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
$bb mount -t proc proc /proc || die "mount /proc"
$bb mount -t sysfs sysfs /sys || die "mount /sys"
$bb mount -t tmpfs -o mode=0755 tmpfs /run || die "mount /run"
mkdir -p /dev/pts /dev/shm /run/kptrlab
$bb mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || die "mount devpts"
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t bpf bpf /sys/fs/bpf || say "no bpffs"
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$bb mount -t 9p -o trans=virtio,version=9p2000.L,ro kptrlab-run /run/kptrlab || die "mount the run share"
. /run/kptrlab/params.env
$bb mount -t tmpfs -o mode=1777 tmpfs /tmp || die "mount /tmp"
$bb mount -t tmpfs -o mode=0700 tmpfs /root || die "mount /root"
$bb mount -t tmpfs -o mode=0755 tmpfs /var || die "mount /var"
mkdir -p /var/log /var/tmp /var/lib && ln -s /run /var/run

# Host folders (project, cache) at their host paths: KPTRLAB_SHARES is tag=path:tag=path.
for share in $(echo "$KPTRLAB_SHARES" | tr ':' ' '); do
  tag=${share%%=*}
  path=${share#*=}
  mkdir -p "$path" && $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro "$tag" "$path" || die "mount share $tag at $path"
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
