#!/usr/bin/env bash
# Lets this x86_64 machine exec the arm64 bootstraps unchanged (ministack execs them as Lambda
# would): Debian's qemu-user-static and the arm64 glibc, registered with binfmt_misc. Needs root.
# Fails loudly when it cannot: an arm64 suite that silently ran nothing would prove nothing.
set -euo pipefail
interpreter=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
if [ ! -x "$interpreter" ] || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  echo "installing qemu-user-static and libc6-arm64-cross (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static libc6-arm64-cross >/dev/null
fi
# The -P interpreter looks for the arm64 libraries under /etc/qemu-binfmt/aarch64.
mkdir -p /etc/qemu-binfmt
ln -sfn /usr/aarch64-linux-gnu /etc/qemu-binfmt/aarch64
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
if [ ! -e "$entry" ]; then
  # ELF64, little endian, e_machine 0xb7 (AArch64); F: the interpreter is opened now, so it also
  # works inside other mount namespaces; P: argv[0] is preserved.
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$interpreter"':FP' \
    > /proc/sys/fs/binfmt_misc/register
fi
grep -q '^enabled' "$entry" || { echo "binfmt_misc: qemu-aarch64 is registered but disabled" >&2; exit 1; }
# Prove it: the arm64 dynamic loader is itself an arm64 program; run it through binfmt_misc.
if ! /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 --version >/dev/null 2>&1; then
  echo "binfmt_misc is registered but an arm64 executable does not run" >&2
  exit 1
fi
echo "arm64 emulation ready: $(head -n 2 "$entry" | tr '\n' ' ')"
