#!/usr/bin/env bash
# Probe: syscalls and CPU per lone Put (ghz, c=1) on checkpointd over durable PostgreSQL + Redis.
# Usage: bench/c1/strace-put.sh [calls]   (bounded: ghz --total, timeout 120 s)
set -euo pipefail
n=${1:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
coproc STACK { node "$root/packages/test-support/bin/checkpointd-test-stack.js"; }
read -r line <&"${STACK[0]}"
addr=$(node -e 'console.log(JSON.parse(process.argv[1]).address)' "$line")
pid=$(pgrep -P "$(pgrep -P $STACK_PID | head -1)" -f "cli" | head -1 || true)
[ -n "$pid" ] || pid=$(pgrep -f "checkpointd.*cli.js" -n)
echo "checkpointd pid $pid at $addr" >&2
data='{"config":{"threadId":"c1-{{.RequestNumber}}"},"checkpoint":{"v":4,"id":"1f0b0000-0000-6000-8000-000000000001","ts":"2026-01-01T00:00:00Z","channelValues":{"messages":{"type":"json","data":"'$(head -c 1500 /dev/zero | tr '\0' 'a' | base64 -w0)'"}},"channelVersions":{"messages":{"intValue":"2"}}},"metadata":{"step":1},"newVersions":{"messages":{"intValue":"2"}}}'
ghz() { timeout 120 /root/go/bin/ghz --insecure --proto "$root/proto/checkpointd/v1/checkpoint_service.proto" --import-paths "$root/proto" \
  --call checkpointd.v1.CheckpointService.Put --data "$data" --concurrency 1 --connections 1 --cpus 1 --total "$1" "$addr"; }
ghz 200 >/dev/null  # warm-up
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
strace -c -f -o "$out/strace" -p "$pid" & spid=$!
sleep 1
ghz "$n" | grep -E "Average|Requests/sec|50 %|99 %"
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
kill -INT $spid; wait $spid || true
echo "checkpointd CPU per Put (under strace): $(( (t1 - t0) * 10000 / n )) µs"
head -25 "$out/strace"
kill -TERM $STACK_PID; wait $STACK_PID || true
