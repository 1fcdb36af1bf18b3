#!/usr/bin/env bash
# Vendor the console's JavaScript/CSS from npm at pinned versions into src/gridloop/entrypoints/web/static/vendor/.
# Nothing is loaded from a CDN at run time. Re-run after changing a version below; commit the copied files.
#   usage: scripts/vendor-assets.sh        (needs npm; uses a temporary directory)
set -euo pipefail

LEAFLET_VERSION=1.9.4
ECHARTS_VERSION=5.6.0

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/gridloop/entrypoints/web/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "leaflet@${LEAFLET_VERSION}" "echarts@${ECHARTS_VERSION}" >/dev/null
mkdir leaflet echarts
tar -xzf "leaflet-${LEAFLET_VERSION}.tgz" -C leaflet --strip-components=1
tar -xzf "echarts-${ECHARTS_VERSION}.tgz" -C echarts --strip-components=1

rm -rf "$DEST"
mkdir -p "$DEST/leaflet/images" "$DEST/echarts"
cp leaflet/dist/leaflet.js leaflet/dist/leaflet.css "$DEST/leaflet/"
cp leaflet/dist/images/*.png "$DEST/leaflet/images/"
cp leaflet/LICENSE "$DEST/leaflet/LICENSE"
cp echarts/dist/echarts.min.js "$DEST/echarts/"
cp echarts/LICENSE "$DEST/echarts/LICENSE"
cat > "$DEST/VERSIONS" <<V
leaflet ${LEAFLET_VERSION} (npm, BSD-2-Clause)
echarts ${ECHARTS_VERSION} (npm, Apache-2.0)
V
( cd "$DEST" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS )
echo "vendored into $DEST:"
( cd "$DEST" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}' )
