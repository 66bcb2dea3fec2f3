#!/usr/bin/env bash
# Runs the offline demo: the DocuSign simulator and the built collector; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."
state=.tmp/demo
mkdir -p "$state"
# The simulator starts with a new stream each time: a checkpoint from its last run would name cursors it never issued.
rm -rf "$state/env" "$state/storage"

go build -o "$state/simulator" ./examples/simulator
"$state/simulator" -addr 127.0.0.1:8089 -key-out "$state/private.pem" -env-out "$state/env" &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  [ -s "$state/env" ] && break
  kill -0 $sim 2>/dev/null || { echo "simulator exited" >&2; exit 1; }
  sleep 0.1
done
set -a
# shellcheck disable=SC1091
. "$state/env"
set +a
export DOCUSIGN_DEMO_STORAGE="$PWD/$state/storage"
# Start an hour back so the demo shows the simulator's backlog at once, then live events.
export DOCUSIGN_START_TIME="${DOCUSIGN_START_TIME:-$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)}"
echo "doctor: dist/docusign-doctor --config examples/demo/config.yaml"
./dist/docusign-doctor --config examples/demo/config.yaml || echo "(the doctor found a problem: see fix: above)"
echo
echo "collector: dist/otelcol-docusign --config examples/demo/config.yaml (Ctrl-C to stop)"
./dist/otelcol-docusign --config examples/demo/config.yaml
