import { Redacted } from "effect"
import type { GatewayConfig, ModelConfig, ProviderConfig, ServerConfig, VirtualKeyConfig } from "../../src/Config.ts"
import type { VirtualKey } from "../../src/domain/VirtualKey.ts"

export const testServer: ServerConfig = {
  host: "127.0.0.1",
  port: 0,
  maxBodyBytes: 1_000_000,
  modelPrefix: undefined,
  shutdownTimeoutMs: 1_000,
  upstreamTimeoutMs: 1_000,
  connectTimeoutMs: 1_000,
  streamIdleTimeoutMs: 1_000,
  totalTimeoutMs: undefined,
  adminKey: undefined,
  cors: undefined,
  watchConfig: false,
  auth: "keys",
  jwtSecret: undefined
}

/** A decoded config with nothing in it but what a test sets. */
export const testConfig = (fields: Partial<GatewayConfig> = {}): GatewayConfig => ({
  version: "test",
  server: testServer,
  database: { url: "sqlite::memory:" },
  logging: { level: "info", accessLog: false },
  ledger: { retentionDays: undefined, captureBodies: false, captureMaxBytes: 1024 },
  telemetry: { otlpEndpoint: undefined, serviceName: "sluice", exportIntervalMs: 1000 },
  resilience: {
    maxAttempts: 1,
    backoffMs: 0,
    maxBackoffMs: 0,
    deadlineMs: 1000,
    queueTimeoutMs: 0,
    circuit: { consecutiveFailures: 5, errorRate: 0.5, minRequests: 10, windowMs: 30_000, openMs: 15_000 }
  },
  providers: [],
  models: {},
  keys: [],
  pricing: {},
  ...fields
})

/** An openai-compatible provider with one key named after it. */
export const testProvider = (fields: Partial<ProviderConfig> & Pick<ProviderConfig, "name" | "models">): ProviderConfig => ({
  type: "openai-compatible",
  baseUrl: "http://upstream.test/v1",
  keys: [{ key: Redacted.make(`${fields.name}-key`), limits: {}, disabled: false }],
  weight: 1,
  apiVersion: undefined,
  disabled: false,
  totalTimeoutMs: undefined,
  modelMap: {},
  headers: {},
  tlsVerify: true,
  timeoutMs: undefined,
  streamIdleTimeoutMs: undefined,
  probe: undefined,
  connectTimeoutMs: undefined,
  ...fields
})

/** An alias of the given targets, with default settings. */
export const alias = (...targets: ReadonlyArray<string>): ModelConfig => ({
  targets,
  strategy: "weighted",
  fallbacks: [],
  contextWindow: undefined,
  contextFallback: undefined
})

/** A config key without limits or budget. */
export const testKey = (name: string, models: ReadonlyArray<string> = ["*"]): VirtualKey => ({
  id: `config:${name}`,
  name,
  ownerId: null,
  source: "config",
  models,
  allows: () => true,
  captureBodies: false,
  limits: {},
  budget: undefined,
  tokenQuota: undefined,
  allowUnpriced: false,
  expiresAt: null
})

/** A config key entry as toGatewayConfig makes it. */
export const testKeyConfig = (name: string, key: string, models: ReadonlyArray<string> = ["*"], fields: Partial<VirtualKeyConfig> = {}): VirtualKeyConfig => ({
  name,
  key: Redacted.make(key),
  models,
  captureBodies: false,
  limits: {},
  budget: undefined,
  tokenQuota: undefined,
  allowUnpriced: false,
  ...fields
})
