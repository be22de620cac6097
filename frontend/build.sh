#!/bin/sh
# Builds the resident pages' assets into counterfoil/web/static/build/ (served at /assets/):
# govuk-frontend's Sass compiled with Arial (no GDS Transport, no crown), its ES module JS, its
# images and manifest, and our init script. Skips with a message when npm is missing, so that
# Python-only work (and `make test`) still runs; the pages then render unstyled.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../counterfoil/web/static/build"
govuk="$here/node_modules/govuk-frontend/dist/govuk"

if ! command -v npm >/dev/null 2>&1; then
  echo "frontend/build.sh: npm not found; skipping the CSS/JS build (pages will be unstyled)." >&2
  exit 0
fi

cd "$here"
if [ ! -d node_modules/govuk-frontend ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

rm -rf "$out"
mkdir -p "$out/images"
npx --no-install sass --no-source-map --style=compressed --quiet-deps \
  --load-path=node_modules src/counterfoil.scss "$out/counterfoil.css"
cp "$govuk/govuk-frontend.min.js" "$out/govuk-frontend.min.js"
cp src/init.mjs "$out/init.mjs"
cp "$govuk/assets/manifest.json" "$out/manifest.json"
# Every image but the royal crest, which a council may not use.
for image in "$govuk"/assets/images/*; do
  case "$image" in *crest*) continue ;; esac
  cp "$image" "$out/images/"
done
echo "frontend/build.sh: built $out"
