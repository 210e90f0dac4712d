#!/usr/bin/env bash
# Runs the compiled benchmark. 50 000 open streams need as many file
# descriptors on each side: raise the limits where allowed (root may raise the
# hard one), else use the hard limit as it is.
set -euo pipefail
ulimit -Hn 120000 2>/dev/null || true
ulimit -n 120000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node --expose-gc --max-old-space-size=4096 "$(dirname "$0")/../dist/bench/bench/bench.main.js" "$@"
