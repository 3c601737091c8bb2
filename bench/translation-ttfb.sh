#!/usr/bin/env bash
# Stream time-to-first-byte added by Sluice, passthrough (OpenAI → OpenAI) next to translated (OpenAI → Anthropic),
# each against its own direct baseline on the harness's mock (its OpenAI and Anthropic endpoints differ), in one run.
# Usage: bash bench/translation-ttfb.sh [requests per measurement, default 300]. Needs dist/sluice (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300}
BUN=node_modules/.bin/bun
HARNESS=../shared/bench
OUT=$(mktemp -d)
export OPENAI_BASE_URL=http://127.0.0.1:18080/v1 ANTHROPIC_BASE_URL=http://127.0.0.1:18080 PORT=18083 SLUICE_BENCH_DB=$OUT/bench.db
MOCK_PORT=18080 $BUN $HARNESS/mock-upstream.ts > /dev/null 2>&1 &
MOCK=$!
dist/sluice serve --config bench/sluice.yaml > $OUT/sluice.log 2>&1 &
GW=$!
trap 'kill $GW $MOCK 2>/dev/null' EXIT
sleep 1.5
echo '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hello"}]}' > $OUT/chat.json
echo '{"model":"claude-bench","stream":true,"messages":[{"role":"user","content":"Hello"}]}' > $OUT/chat-claude.json
echo '{"model":"claude-bench","stream":true,"max_tokens":64,"messages":[{"role":"user","content":"Hello"}]}' > $OUT/messages.json
p50() {
  $BUN $HARNESS/stream-client.ts --url "$1" --body-file "$2" -H "authorization: Bearer sk-bench-0000" -H "x-api-key: sk-bench-0000" \
    -H "anthropic-version: 2023-06-01" -c 1 -n "$N" --warmup 50 | $BUN -e 'const r = JSON.parse(await Bun.stdin.text()); console.log(r.ttfb_ms.p50)'
}
direct_openai=$(p50 http://127.0.0.1:18080/v1/chat/completions $OUT/chat.json)
direct_anthropic=$(p50 http://127.0.0.1:18080/v1/messages $OUT/messages.json)
pass=$(p50 http://127.0.0.1:18083/v1/chat/completions $OUT/chat.json)
translated=$(p50 http://127.0.0.1:18083/v1/chat/completions $OUT/chat-claude.json)
python3 - "$direct_openai" "$direct_anthropic" "$pass" "$translated" <<'PY'
import sys
d_o, d_a, p, t = map(float, sys.argv[1:])
print(f"direct OpenAI {d_o:.3f} ms, direct Anthropic {d_a:.3f} ms")
print(f"passthrough {p:.3f} ms (added {p - d_o:.3f}), translated {t:.3f} ms (added {t - d_a:.3f})")
print(f"translated added / passthrough added = {(t - d_a) / (p - d_o):.2f}")
PY
