#!/bin/sh
# Installs mojiyomi's menu entry and icon for the current user (freedesktop.org paths):
#   sh resources/icons/install_linux.sh
# The entry runs `mojiyomi`, so install the package first (pip install .).
set -eu
here=$(dirname "$0")
data=${XDG_DATA_HOME:-$HOME/.local/share}
install -D -m 644 "$here/mojiyomi.svg" "$data/icons/hicolor/scalable/apps/mojiyomi.svg"
install -D -m 644 "$here/mojiyomi.desktop" "$data/applications/mojiyomi.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$data/icons/hicolor" || true
echo "Installed $data/applications/mojiyomi.desktop"
