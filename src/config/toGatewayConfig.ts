import { isAbsolute, resolve } from "node:path"
import { Redacted } from "effect"
import type { GatewayConfig, PriceConfig, ProviderConfig, ResilienceConfig, ServerConfig, VirtualKeyConfig } from "../Config.ts"
import type { RawConfig } from "./RawConfig.ts"

type RawServer = NonNullable<RawConfig["server"]>
type RawProvider = RawConfig["providers"][number]
type RawKey = NonNullable<RawConfig["keys"]>[number]
type RawPrice = NonNullable<RawConfig["pricing"]>[string]

const secret = (value: string | number | boolean): Redacted.Redacted<string> => Redacted.make(String(value))

const toServer = (server: RawServer): ServerConfig => ({
  host: server.host ?? "0.0.0.0",
  port: server.port ?? 8080,
  maxBodyBytes: server.max_body_bytes ?? 32 * 1024 * 1024,
  // An empty prefix (e.g. from `${MODEL_PREFIX:-}`) means no prefix.
  modelPrefix: server.model_prefix || undefined,
  shutdownTimeoutMs: server.shutdown_timeout_ms ?? 30_000,
  upstreamTimeoutMs: server.upstream_timeout_ms ?? 600_000,
  connectTimeoutMs: server.connect_timeout_ms ?? 10_000,
  streamIdleTimeoutMs: server.stream_idle_timeout_ms ?? 300_000,
  totalTimeoutMs: server.total_timeout_ms,
  adminKey: server.admin_key === undefined || server.admin_key === "" ? undefined : secret(server.admin_key),
  cors: server.cors === undefined ? undefined : { origins: server.cors.origins, headers: server.cors.headers ?? [] },
  watchConfig: server.watch_config ?? true,
  auth: server.auth ?? "keys",
  jwtSecret: server.jwt_secret === undefined || server.jwt_secret === "" ? undefined : secret(server.jwt_secret)
})

const toProvider = (provider: RawProvider): ProviderConfig => ({
  name: provider.name,
  type: provider.type,
  baseUrl: provider.base_url,
  keys: (provider.keys ?? []).map((entry) =>
    typeof entry === "object"
      ? { key: secret(entry.key), limits: entry.limits ?? provider.limits ?? {}, disabled: entry.disabled ?? false }
      : { key: secret(entry), limits: provider.limits ?? {}, disabled: false }
  ),
  disabled: provider.disabled ?? false,
  weight: provider.weight ?? 1,
  models: provider.models,
  modelMap: provider.model_map ?? {},
  headers: Object.fromEntries(Object.entries(provider.headers ?? {}).map(([name, value]) => [name, String(value)])),
  tlsVerify: provider.tls_verify ?? true,
  apiVersion: provider.api_version,
  timeoutMs: provider.timeout_ms,
  connectTimeoutMs: provider.connect_timeout_ms,
  streamIdleTimeoutMs: provider.stream_idle_timeout_ms,
  totalTimeoutMs: provider.total_timeout_ms,
  probe: provider.probe === undefined
    ? undefined
    : { intervalMs: provider.probe.interval_ms ?? 30_000, timeoutMs: provider.probe.timeout_ms ?? 5000 }
})

const toResilience = (resilience: NonNullable<RawConfig["resilience"]>): ResilienceConfig => ({
  maxAttempts: resilience.max_attempts ?? 3,
  backoffMs: resilience.backoff_ms ?? 250,
  maxBackoffMs: resilience.max_backoff_ms ?? 4000,
  deadlineMs: resilience.deadline_ms ?? 600_000,
  queueTimeoutMs: resilience.queue_timeout_ms ?? 3000,
  circuit: {
    consecutiveFailures: resilience.circuit?.consecutive_failures ?? 5,
    errorRate: resilience.circuit?.error_rate ?? 0.5,
    minRequests: resilience.circuit?.min_requests ?? 10,
    windowMs: resilience.circuit?.window_ms ?? 30_000,
    openMs: resilience.circuit?.open_ms ?? 15_000
  }
})

const toVirtualKey = (key: RawKey): VirtualKeyConfig => ({
  name: key.name,
  key: secret(key.key),
  models: key.models ?? ["*"],
  captureBodies: key.capture_bodies ?? false,
  limits: key.limits ?? {},
  budget: key.budget === undefined ? undefined : { usd: key.budget.usd, period: key.budget.period ?? "monthly" },
  tokenQuota: key.token_quota === undefined ? undefined : { tokens: key.token_quota.tokens, period: key.token_quota.period ?? "monthly" },
  allowUnpriced: key.allow_unpriced ?? false
})

const toPrice = (price: RawPrice): PriceConfig => ({
  inputPerMtok: price.input_per_mtok,
  outputPerMtok: price.output_per_mtok,
  cachedInputPerMtok: price.cached_input_per_mtok,
  maxOutputTokens: price.max_output_tokens
})

export const defaultDatabaseUrl = "sqlite:./data/sluice.db"

/** A relative sqlite path is relative to the config file, not to the working directory. */
export const resolveDatabaseUrl = (url: string, baseDir: string): string => {
  const file = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined
  return file === undefined || file === ":memory:" || isAbsolute(file) ? url : `sqlite:${resolve(baseDir, file)}`
}

/** Applies defaults and renames to camelCase; `raw` has already passed every check. */
export const toGatewayConfig = (raw: RawConfig, baseDir: string): Omit<GatewayConfig, "version"> => ({
  server: toServer(raw.server ?? {}),
  database: { url: resolveDatabaseUrl(raw.database?.url ?? defaultDatabaseUrl, baseDir) },
  logging: { level: raw.logging?.level ?? "info", accessLog: raw.logging?.access_log ?? true },
  resilience: toResilience(raw.resilience ?? {}),
  telemetry: {
    otlpEndpoint: raw.telemetry?.otlp_endpoint || undefined,
    serviceName: raw.telemetry?.service_name ?? "sluice",
    exportIntervalMs: raw.telemetry?.export_interval_ms ?? 5000
  },
  ledger: {
    retentionDays: raw.ledger?.retention_days,
    captureBodies: raw.ledger?.capture_bodies ?? false,
    captureMaxBytes: raw.ledger?.capture_max_bytes ?? 64 * 1024
  },
  providers: raw.providers.map(toProvider),
  models: Object.fromEntries(Object.entries(raw.models ?? {}).map(([name, model]) => [name, {
    targets: model.targets,
    strategy: model.strategy ?? "weighted",
    fallbacks: model.fallbacks ?? [],
    contextWindow: model.context_window,
    contextFallback: model.context_fallback
  }])),
  keys: (raw.keys ?? []).map(toVirtualKey),
  pricing: Object.fromEntries(Object.entries(raw.pricing ?? {}).map(([model, price]) => [model, toPrice(price)]))
})
