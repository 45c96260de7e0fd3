#!/usr/bin/env bash
# What Rapport needs from the machine besides its Python packages (Debian and Ubuntu names):
#   fonts-noto-cjk     a font with Chinese characters, so that charts for Chinese-speaking RMs
#                      are labelled in Chinese (Simplified, Taiwan and Hong Kong glyphs); the
#                      card benchmark and tests draw Chinese cards with it
#   tesseract-ocr-vie  Tesseract's Vietnamese model, for reading business cards and shop signs
#                      (the engine comes with the tesserocr wheel; Chinese is read by RapidOCR,
#                      whose models come with its wheel). Without it the bot still runs and
#                      answers a photo with "reading cards is off"
#   fonts-dejavu-core  a Latin font with Vietnamese letters, for the card benchmark and tests
# Safe to run again: installs only what is missing. apt-get needs root (sudo is used when it
# is there).
set -euo pipefail

PACKAGES=(fonts-noto-cjk tesseract-ocr-vie fonts-dejavu-core)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/setup.sh: install with this system's package manager: ${missing[*]}" >&2
    echo "scripts/setup.sh: (for the Vietnamese model, TESSDATA_PREFIX may name its folder)" >&2
    exit 1
fi
as_root=""
if [ "$(id -u)" -ne 0 ]; then
    as_root="sudo"
fi
echo "scripts/setup.sh: installing ${missing[*]}"
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
