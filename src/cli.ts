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

Users, keys and usage (on the config's database, or a running gateway with --url <url> --admin-key <key>):
  sluice setup --email <e> [--name <n>] [--key-name <n>] [--force]
                                       create the first admin user and a key of theirs
  sluice users add --email <e> --name <n> [--role admin|member]
  sluice users list
  sluice users passwd --email <e>
  sluice keys create --name <n> [--owner <email|id>] [--expires-days <n> | --no-expiry]
                     [--rpm <n>] [--tpm <n>] [--rps <n>] [--burst <n>] [--concurrency <n>]
                     [--budget <usd>] [--tokens <n>] [--period daily|weekly|monthly|total]
                     [--models <glob,glob>] [--allow-unpriced]
                                       the secret is printed once: store it
  sluice keys list [--owner <email|id>]
  sluice keys show|revoke|rotate <id>
  sluice keys test <secret> [--url <gateway url>]
                                       what the key's holder sees (GET /v1/key/info)
  sluice usage [--key <id>] [--user <email|id>] [--since <ISO date|7d|24h>]
               [--by day|model|key|user|provider]
  Passwords: --password, --password-stdin, $SLUICE_PASSWORD, or asked on the terminal.
  --json prints JSON instead of a table. The admin key may also come from $SLUICE_ADMIN_KEY.
  Without --url the database is changed directly; a running gateway picks key changes up within a second.

The config file is --config, else $CONFIG_PATH, else ./config.yaml. HOST and PORT override the file,
LOG_LEVEL overrides logging.level. The config is reloaded on change, on SIGHUP and by the admin API.
`

/** Commands loaded only when run (so --version, --help and config check stay quick); each parses its own flags. */
const governance: Record<string, () => Promise<(args: ReadonlyArray<string>) => Promise<void>>> = {
  users: async () => (await import("./commands/users.ts")).users,
  keys: async () => (await import("./commands/keys.ts")).keys,
  usage: async () => (await import("./commands/usage.ts")).usage,
  setup: async () => (await import("./commands/setup.ts")).setup
}

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
  const args = process.argv.slice(2)
  // A first, lenient look finds the command; the command then parses its own flags strictly.
  const first = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      url: { type: "string" },
      "admin-key": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" }
    },
    allowPositionals: true,
    strict: false
  })
  if (first.values.help) return console.log(usage)
  if (first.values.version) return console.log(pkg.version)
  const load = governance[first.positionals[0] ?? ""]
  if (load !== undefined) return (await load())(args)

  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" }
    },
    allowPositionals: true
  })
  const command = positionals.join(" ") || "serve"
  // Loaded only to serve: --version, --help and config check stay quick.
  if (command === "serve") return (await import("./commands/serve.ts")).serve(values.config)
  if (command === "config check") return checkConfig(values.config)
  if (command === "health") return health(values.url)
  console.error(`Unknown command '${command}'.\n\n${usage}`)
  process.exit(2)
}

/** Usage mistakes exit 2 (a CliError says which; node:util's parseArgs codes its own), everything else 1. */
const exitCodeOf = (error: unknown): number => {
  if (typeof error !== "object" || error === null) return 1
  if ("exitCode" in error && typeof error.exitCode === "number") return error.exitCode
  return "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_PARSE_ARGS") ? 2 : 1
}

main().catch((error: unknown) => {
  const code = exitCodeOf(error)
  console.error(error instanceof Error ? error.message : String(error))
  if (code === 2) console.error("Run 'sluice --help' for usage.")
  process.exit(code)
})
