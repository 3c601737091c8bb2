import { parseArgs } from "node:util"
import { Effect, ManagedRuntime } from "effect"
import pkg from "../package.json" with { type: "json" }
import { routingReport } from "./commands/routingReport.ts"
import { appLayer } from "./appLayer.ts"
import { formatProblems, loadConfig } from "./Config.ts"
import { anthropicRoutes } from "./http/anthropic.ts"
import { app } from "./http/app.ts"
import { openaiRoutes } from "./http/openai.ts"
import { opsRoutes } from "./http/ops.ts"
import { Gateway } from "./services/Gateway.ts"
import { UsageLedger } from "./services/UsageLedger.ts"

const usage = `Sluice ${pkg.version}: an LLM gateway in one executable.

Usage:
  sluice [serve] [--config <file>]     start the gateway (default command)
  sluice config check [--config <file>]
                                       validate the config and print the routing table
  sluice --help | --version

The config file is --config, else $CONFIG_PATH, else ./config.yaml. HOST and PORT override the file.
`

const log = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }))

const readConfig = (path: string | undefined) =>
  Effect.runPromise(
    loadConfig({ path, env: process.env }).pipe(
      Effect.catchTag("ConfigError", (error) =>
        Effect.sync(() => {
          console.error(`Invalid configuration:\n${formatProblems(error.problems)}`)
          return process.exit(1)
        }))
    )
  )

const serve = async (path: string | undefined) => {
  const config = await readConfig(path)
  const runtime = ManagedRuntime.make(appLayer(config))
  const services = await runtime.runPromise(Effect.gen(function*() {
    return { gateway: yield* Gateway, ledger: yield* UsageLedger }
  }))
    .catch((error: unknown) => {
      console.error(`Sluice could not start: ${error instanceof Error ? error.message : String(error)}`)
      return process.exit(1)
    })
  const { host, port, maxBodyBytes, shutdownTimeoutMs } = config.server
  const server = app()
    .use(opsRoutes(services.ledger, pkg.version))
    .use(openaiRoutes(services.gateway, maxBodyBytes))
    .use(anthropicRoutes(services.gateway, maxBodyBytes))
    // Bun's own body limit answers a bare 413; the routes enforce server.max_body_bytes with an OpenAI error.
    // Elysia binds with SO_REUSEPORT by default: a second gateway on the same port would silently share it.
    .listen({
      hostname: host,
      port,
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      idleTimeout: 255,
      reusePort: false,
      development: false
    }).server!

  const models = config.providers.reduce((n, p) => n + p.models.length, 0)
  log("info", "sluice started", {
    version: pkg.version,
    listen: `http://${host}:${server.port}`,
    database: config.database.url,
    providers: config.providers.map((p) => p.name),
    models,
    keys: config.keys.length
  })

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      log("warn", "second signal: exiting now", { signal })
      process.exit(1)
    }
    stopping = true
    log("info", "draining", { signal, inFlight: server.pendingRequests })
    void server.stop(false)
    const deadline = Date.now() + shutdownTimeoutMs
    while (server.pendingRequests > 0 && Date.now() < deadline) await Bun.sleep(10)
    await server.stop(true)
    // Streams cut at the deadline settle their ledger rows from cancel callbacks: let those run first.
    await Bun.sleep(20)
    await runtime.dispose()
    log("info", "stopped", { ledger: services.ledger.stats() })
    process.exit(0)
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"))
  process.on("SIGINT", () => void shutdown("SIGINT"))
}

const checkConfig = async (path: string | undefined) => {
  const config = await readConfig(path)
  console.log(routingReport(config))
}

const main = async () => {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" }
    },
    allowPositionals: true
  })
  const command = positionals.join(" ") || "serve"
  if (values.help) return console.log(usage)
  if (values.version) return console.log(pkg.version)
  if (command === "serve") return serve(values.config)
  if (command === "config check") return checkConfig(values.config)
  console.error(`Unknown command '${command}'.\n\n${usage}`)
  process.exit(2)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
