#!/usr/bin/env bash
# Install the Debian packages a target needs: through apt when run as root, otherwise
# print the exact command to run and stop. Usage: tools/system-deps.sh run|test
set -euo pipefail

declare -A RUN=()            # command -> package (none yet: the web platform is pure Python)
declare -A TEST=([chromium]=chromium [pg_dump]=postgresql-client)

declare -n wanted="${1^^}"
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
exit 1
