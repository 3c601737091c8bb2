import { parseArgs } from "node:util"
import pkg from "../package.json" with { type: "json" }
import { readConfig } from "./commands/readConfig.ts"
import { routingReport } from "./commands/routingReport.ts"

const usage = `Sluice ${pkg.version}: an LLM gateway in one executable.

Usage:
  sluice [serve] [--config <file>]     start the gateway (default command)
  sluice config check [--config <file>]
                                       validate the config and print the routing table
  sluice health [--url <url>]          exit 0 if the gateway answers /health (for container health checks)
  sluice --help | --version

The config file is --config, else $CONFIG_PATH, else ./config.yaml. HOST and PORT override the file,
LOG_LEVEL overrides logging.level. The config is reloaded on change, on SIGHUP and by the admin API.
`

const checkConfig = async (path: string | undefined) => {
  const config = await readConfig(path)
  console.log(routingReport(config))
}

const health = async (url: string | undefined) => {
  const target = url ?? `http://127.0.0.1:${process.env.PORT || 8080}/health`
  const ok = await fetch(target, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)
  if (!ok) console.error(`unhealthy: ${target}`)
  process.exit(ok ? 0 : 1)
}

const main = async () => {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: "string", short: "c" },
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" }
    },
    allowPositionals: true
  })
  const command = positionals.join(" ") || "serve"
  if (values.help) return console.log(usage)
  if (values.version) return console.log(pkg.version)
  // Loaded only to serve: --version, --help and config check stay quick.
  if (command === "serve") return (await import("./commands/serve.ts")).serve(values.config)
  if (command === "config check") return checkConfig(values.config)
  if (command === "health") return health(values.url)
  console.error(`Unknown command '${command}'.\n\n${usage}`)
  process.exit(2)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
