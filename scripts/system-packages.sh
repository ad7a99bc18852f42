#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, when missing:
# redis-server (Redis tests), nginx, promtool and openssl (operations checks),
# numpy (scripts/parse_npz.py cross-check), chromium (dashboard browser tests)
# and ffmpeg (real MP4 fixtures). Runs before `npm test` (the `pretest` script)
# and from .ci/run; does nothing when all are present.
set -euo pipefail
# nginx lives in /usr/sbin, which a non-login environment may leave out.
export PATH="$PATH:/usr/sbin:/sbin"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3 python3-numpy)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "system packages missing for the tests: ${need[*]}; installing with apt-get" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "not root and no sudo: install them with: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
