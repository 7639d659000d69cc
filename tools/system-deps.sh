#!/usr/bin/env bash
# Install the Debian packages a target needs: through apt when run as root, otherwise
# print the exact command to run and stop. Usage: tools/system-deps.sh run|test|bench
set -euo pipefail

# command -> package. Scans need nmap; PDF reports need WeasyPrint's Pango and a font.
declare -A RUN=([nmap]=nmap [fc-list]=fontconfig)
declare -A TEST=([chromium]=chromium [pg_dump]=postgresql-client [pdftotext]=poppler-utils
  # the scan engine's network lab (tests/lab): nmap, iproute2, tcpdump and real daemons
  # (sbin programs by full path: a non-root PATH often lacks /usr/sbin)
  [nmap]=nmap [/usr/sbin/ip]=iproute2 [ss]=iproute2 [tcpdump]=tcpdump
  [/usr/sbin/vsftpd]=vsftpd [/usr/sbin/inetd]=openbsd-inetd [/usr/sbin/telnetd]=inetutils-telnetd
  [/usr/sbin/snmpd]=snmpd [/usr/sbin/nginx]=nginx [redis-server]=redis-server
  [/usr/sbin/smbd]=samba [/usr/sbin/mariadbd]=mariadb-server [memcached]=memcached
  [/usr/sbin/mosquitto]=mosquitto [storescp]=dcmtk [/usr/sbin/xrdp]=xrdp
  [Xvnc]=tigervnc-standalone-server [vncpasswd]=tigervnc-tools [/usr/sbin/sshd]=openssh-server
  [/usr/sbin/in.rexecd]=rsh-server
  # phishing: reports of simulated phishing are polled from a real IMAP server, and QR-code
  # lures are read back by a real QR reader
  [/usr/sbin/dovecot]=dovecot-imapd [zbarimg]=zbar-tools
  # French page checks: a French word list, so that French words are never taken for English
  [/usr/share/dict/french]=wfrench)

# benchmarks (bench/): the tracking endpoints are loaded with wrk
declare -A BENCH=([wrk]=wrk)

declare -n wanted="${1^^}"
missing=()
for cmd in "${!wanted[@]}"; do
  { command -v "$cmd" >/dev/null 2>&1 || [ -f "$cmd" ]; } || missing+=("${wanted[$cmd]}")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# PDF reports (WeasyPrint): Pango and one font, needed by both targets
/sbin/ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
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
