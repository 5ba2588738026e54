#!/bin/busybox sh
# kptrlab distro-kernel initramfs: load the modules a 9p root needs (order in /modules.list),
# mount the host root exactly as the kernel would, then hand over to the init= script.
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev /newroot
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
for module in $($bb cat /modules.list); do
  $bb insmod "/lib/modules/$module" || echo "kptrlab-initramfs: insmod $module failed"
done
init=/sbin/init
for arg in $($bb cat /proc/cmdline); do
  case "$arg" in init=*) init="${arg#init=}" ;; esac
done
if ! $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro /dev/root /newroot; then
  echo "kptrlab-initramfs: FATAL: cannot mount the 9p root"
  $bb reboot -f
fi
$bb umount /proc /sys
$bb umount /dev 2>/dev/null
exec $bb switch_root /newroot "$init"
