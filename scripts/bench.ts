// `bun run bench [run.sh options]`: builds dist/sluice and runs ../shared/bench against it (governed: virtual key,
// ledger on), next to the minimal Bun proxy. Results go to bench/results/<time>/ (ignored by git).
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dir, "..")
const harness = resolve(root, "../shared/bench/run.sh")
if (!existsSync(harness)) {
  console.error(`The benchmark harness is not at ${harness} (it lives in shared/bench beside this repository).`)
  process.exit(1)
}
if (Bun.which("wrk") === null) {
  console.error("wrk is missing: apt-get install -y wrk")
  process.exit(1)
}
const built = Bun.spawnSync([process.execPath, "run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
if (built.exitCode !== 0) process.exit(built.exitCode)

const args = process.argv.slice(2)
const out = args.includes("--out") ? [] : ["--out", join(root, "bench/results", new Date().toISOString().replace(/[:.]/g, "-"))]
const skip = args.includes("--skip") ? [] : ["--skip", "portkey"]
const db = join(mkdtempSync(join(tmpdir(), "sluice-bench-")), "bench.db")
const run = Bun.spawnSync([
  "bash", harness,
  "--gateway-cmd", `SLUICE_BENCH_DB=${db} ${join(root, "dist/sluice")} serve --config ${join(root, "bench/sluice.yaml")}`,
  "--gateway-url", "http://127.0.0.1:18083",
  "--gateway-header", "Authorization: Bearer sk-bench-0000",
  "--gateway-health", "/health",
  "--gateway-name", "sluice",
  ...skip, ...out, ...args
], { cwd: root, stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, BUN: process.execPath } })
process.exit(run.exitCode)
