#!/usr/bin/env bash
# Vendor the console's JavaScript/CSS from npm at pinned versions into src/gridloop/platform/web/static/vendor/.
# Nothing is loaded from a CDN at run time. Re-run after changing a version below; commit the copied files.
#   usage: scripts/vendor-assets.sh        (needs npm; uses a temporary directory)
set -euo pipefail

LEAFLET_VERSION=1.9.4
ECHARTS_VERSION=5.6.0
SWAGGER_UI_VERSION=5.35.0

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/gridloop/platform/web/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "leaflet@${LEAFLET_VERSION}" "echarts@${ECHARTS_VERSION}" "swagger-ui-dist@${SWAGGER_UI_VERSION}" >/dev/null
mkdir leaflet echarts swagger-ui
tar -xzf "leaflet-${LEAFLET_VERSION}.tgz" -C leaflet --strip-components=1
tar -xzf "echarts-${ECHARTS_VERSION}.tgz" -C echarts --strip-components=1
tar -xzf "swagger-ui-dist-${SWAGGER_UI_VERSION}.tgz" -C swagger-ui --strip-components=1

rm -rf "$DEST"
mkdir -p "$DEST/leaflet/images" "$DEST/echarts" "$DEST/swagger-ui"
cp leaflet/dist/leaflet.js leaflet/dist/leaflet.css "$DEST/leaflet/"
cp leaflet/dist/images/*.png "$DEST/leaflet/images/"
cp leaflet/LICENSE "$DEST/leaflet/LICENSE"
cp echarts/dist/echarts.min.js "$DEST/echarts/"
cp echarts/LICENSE "$DEST/echarts/LICENSE"
# the API explorer at /docs (served from here, never a CDN)
cp swagger-ui/swagger-ui-bundle.js swagger-ui/swagger-ui.css swagger-ui/LICENSE "$DEST/swagger-ui/"
cat > "$DEST/VERSIONS" <<V
leaflet ${LEAFLET_VERSION} (npm, BSD-2-Clause)
echarts ${ECHARTS_VERSION} (npm, Apache-2.0)
swagger-ui-dist ${SWAGGER_UI_VERSION} (npm, Apache-2.0)
V
( cd "$DEST" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS )
echo "vendored into $DEST:"
( cd "$DEST" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}' )
