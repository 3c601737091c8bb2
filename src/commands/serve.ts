import { watch } from "node:fs"
import { basename, dirname, resolve } from "node:path"
import { Context, Effect, ManagedRuntime } from "effect"
import pkg from "../../package.json" with { type: "json" }
import { appLayer } from "../appLayer.ts"
import type { GatewayConfig } from "../Config.ts"
import { adminRoutes } from "../http/admin.ts"
import { anthropicRoutes } from "../http/anthropic.ts"
import { app } from "../http/app.ts"
import { cors } from "../http/cors.ts"
import { corsPolicy } from "../http/corsPolicy.ts"
import { generationRoutes } from "../http/generationRoutes.ts"
import { keyInfoRoute } from "../http/keyInfoRoute.ts"
import { openaiRoutes } from "../http/openai.ts"
import { usageRoute } from "../http/usageRoute.ts"
import { opsRoutes } from "../http/ops.ts"
import { configureLogging, log } from "../logging/log.ts"
import { Gateway } from "../services/Gateway.ts"
import { Metrics } from "../services/Metrics.ts"
import { Reloader } from "../services/Reloader.ts"
import { UsageLedger } from "../services/UsageLedger.ts"
import { readConfig } from "./readConfig.ts"

/** Reloads on changes to the config file or the `.env` beside it; editors often replace files, so the folder is watched. */
const watchConfig = (path: string, reload: () => void) => {
  const file = resolve(path)
  const names = new Set([basename(file), ".env"])
  let timer: ReturnType<typeof setTimeout> | undefined
  return watch(dirname(file), (_event, name) => {
    if (name === null || !names.has(name)) return
    clearTimeout(timer)
    timer = setTimeout(reload, 100)
  })
}

const summary = (config: GatewayConfig, url: string) => ({
  version: pkg.version,
  listen: url,
  database: config.database.url,
  config_version: config.version,
  providers: config.providers.map((p) => `${p.name} (${p.type})`),
  models: config.providers.reduce((n, p) => n + p.models.length, 0) + Object.keys(config.models).length,
  keys: config.keys.length,
  metrics: `${url}/metrics`,
  admin: `${url}/admin/v1 (${config.server.adminKey === undefined ? "users' session tokens; `sluice setup` creates the first admin" : "admin key or users' session tokens"})`,
  docs: `${url}/docs`
})

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)

/** Starts the gateway and runs it until SIGTERM / SIGINT (graceful) or a second signal (at once). */
export const serve = async (path: string | undefined) => {
  const config = await readConfig(path)
  configureLogging(config.logging)
  if (config.server.auth === "none" && !isLoopback(config.server.host)) {
    console.error(`Sluice could not start: server.auth "none" serves without keys, so it only binds to loopback (127.0.0.1, ::1 or localhost), not ${config.server.host}`)
    return process.exit(1)
  }
  const runtime = ManagedRuntime.make(appLayer(config, { path, env: process.env }))
  const context = await runtime.context()
    .catch((error: unknown) => {
      console.error(`Sluice could not start: ${error instanceof Error ? error.message : String(error)}`)
      return process.exit(1)
    })
  const services = {
    gateway: Context.get(context, Gateway),
    ledger: Context.get(context, UsageLedger),
    metrics: Context.get(context, Metrics),
    reloader: Context.get(context, Reloader)
  }
  const { host, port, maxBodyBytes, shutdownTimeoutMs } = config.server
  const corsOn = config.server.cors === undefined ? undefined : corsPolicy(config.server.cors)
  const generation = generationRoutes(services.gateway, maxBodyBytes, corsOn)
  const http = app(generation)
  if (corsOn !== undefined) http.use(cors(corsOn))
  const server = http
    .use(opsRoutes(services.ledger, services.metrics, pkg.version))
    .use(adminRoutes(context, config))
    .use(keyInfoRoute(context))
    .use(usageRoute(context))
    .use(openaiRoutes(services.gateway, generation))
    .use(anthropicRoutes(generation))
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

  // Printed whatever the log level: it is how an operator (and a supervisor) learns where the gateway listens.
  console.log(JSON.stringify({ level: "info", time: new Date().toISOString(), msg: "sluice started", ...summary(config, `http://${host}:${server.port}`) }))

  const reload = (trigger: string) => void Effect.runPromise(Effect.ignore(services.reloader.reload(trigger)))
  const watcher = config.server.watchConfig ? watchConfig(path || process.env.CONFIG_PATH || "config.yaml", () => reload("file change")) : undefined
  process.on("SIGHUP", () => reload("SIGHUP"))

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      log("warn", "second signal: exiting now", { signal })
      process.exit(1)
    }
    stopping = true
    watcher?.close()
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
