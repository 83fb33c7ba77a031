#!/usr/bin/env bash
# Installs what pyovn and its tests need on a fresh Debian machine (as root),
# then creates .venv with the project and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(openvswitch-switch openvswitch-common ovn-central ovn-host python3-openvswitch
      iproute2 iputils-ping tcpdump ethtool procps)
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/pip install -q -e '.[test]'
touch .venv/.setup-stamp
