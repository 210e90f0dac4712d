#!/usr/bin/env bash
# Runs the compiled benchmark. Ten thousand open streams need as many file
# descriptors on each side: raise the soft limit up to the hard one where allowed.
set -euo pipefail
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node --expose-gc "$(dirname "$0")/../dist/bench/bench/bench.main.js" "$@"
