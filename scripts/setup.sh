#!/usr/bin/env bash
# What Rapport needs from the machine besides its Python packages: a font with Chinese
# characters, so that charts for Chinese-speaking RMs are labelled in Chinese (Debian and
# Ubuntu: fonts-noto-cjk, Simplified, Taiwan and Hong Kong glyphs). Safe to run again; apt-get
# needs root (sudo is used when it is there).
set -euo pipefail

if dpkg -s fonts-noto-cjk >/dev/null 2>&1 || [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/setup.sh: install the Noto Sans CJK fonts with this system's package manager" >&2
    exit 1
fi
as_root=""
if [ "$(id -u)" -ne 0 ]; then
    as_root="sudo"
fi
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends fonts-noto-cjk
