#!/bin/sh
# Rebuilds the vendored axe-core from package-lock.json (exact versions, integrity-checked):
# the minified bundle and its licence are committed; node_modules is not.
set -eu
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
cp node_modules/axe-core/axe.min.js axe.min.js
cp node_modules/axe-core/LICENSE LICENSE
rm -rf node_modules
