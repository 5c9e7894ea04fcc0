#!/usr/bin/env bash
# System packages the tests need on Debian 12 (the CI machine kind), installed as root:
# - Mesa 25 lavapipe + the Vulkan loader from bookworm-backports: a software WebGPU adapter for Dawn
#   (Debian 12's own Mesa 22 is rejected by Dawn's Vulkan backend; see docs/webgpu.md);
# - Chromium, for the webview tests (playwright-core drives it; nothing is downloaded).
# Safe to run twice. Skips what is already installed.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: needs root (CI runs as root)" >&2
  exit 1
fi

. /etc/os-release
need=()
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  if ! ls /etc/apt/sources.list.d/ | grep -q backports; then
    mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
    mirror=${mirror:-http://deb.debian.org/debian}
    cat > /etc/apt/sources.list.d/backports.sources <<X
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
X
  fi
  mesa_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  case "$mesa_version" in 25.*) ;; *) need_backports=1 ;; esac
else
  dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers libvulkan1)
fi

if [ ${#need[@]} -gt 0 ] || [ -n "${need_backports:-}" ]; then
  apt-get update -qq
  [ ${#need[@]} -gt 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  [ -n "${need_backports:-}" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1
fi
echo "install-system-deps: chromium $(dpkg-query -W -f='${Version}' chromium), mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
