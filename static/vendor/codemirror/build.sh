#!/bin/sh
# Rebuilds codemirror.min.js and LICENSES.txt from package-lock.json (exact versions,
# integrity-checked). The bundle and licences are committed; node_modules is not.
set -eu
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
node build.mjs
rm -rf node_modules
