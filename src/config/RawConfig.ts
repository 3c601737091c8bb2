import { Schema } from "effect"
import { providerTypes } from "../providers/index.ts"
import { Port } from "./Port.ts"

const NonEmpty = Schema.String.check(Schema.isNonEmpty())
const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const ModelNames = Schema.Array(NonEmpty).check(Schema.isMinLength(1))

// An environment variable holding only digits is re-read as a number; it round-trips, so `String()` restores it.
const Text = Schema.Union([Schema.String, Schema.Finite, Schema.Boolean])
const Secret = Schema.Union([NonEmpty, Schema.Finite, Schema.Boolean])

const isHttpUrl = (text: string): boolean => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol)

const Server = Schema.Struct({
  host: Schema.optionalKey(NonEmpty),
  port: Schema.optionalKey(Port),
  max_body_bytes: Schema.optionalKey(PositiveInt),
  model_prefix: Schema.optionalKey(Schema.String),
  shutdown_timeout_ms: Schema.optionalKey(NonNegativeInt),
  upstream_timeout_ms: Schema.optionalKey(PositiveInt),
  connect_timeout_ms: Schema.optionalKey(PositiveInt),
  stream_idle_timeout_ms: Schema.optionalKey(PositiveInt),
  total_timeout_ms: Schema.optionalKey(PositiveInt),
  // An empty value (e.g. `${SLUICE_ADMIN_KEY:-}`) leaves the admin API off.
  admin_key: Schema.optionalKey(Schema.Union([Schema.String, Schema.Finite])),
  cors: Schema.optionalKey(Schema.Struct({
    origins: Schema.Array(NonEmpty).check(Schema.isMinLength(1)),
    headers: Schema.optionalKey(Schema.Array(NonEmpty))
  })),
  watch_config: Schema.optionalKey(Schema.Boolean),
  /** `none` serves without virtual keys (local use; refused unless the host is loopback). */
  auth: Schema.optionalKey(Schema.Literals(["keys", "none"])),
  /** Signs admin session tokens; empty or absent: one is generated on first start and kept in the database. */
  jwt_secret: Schema.optionalKey(Schema.Union([Schema.String, Schema.Finite]))
})

const Logging = Schema.Struct({
  level: Schema.optionalKey(Schema.Literals(["debug", "info", "warn", "error"])),
  access_log: Schema.optionalKey(Schema.Boolean)
})

const Ledger = Schema.Struct({
  retention_days: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  capture_bodies: Schema.optionalKey(Schema.Boolean),
  capture_max_bytes: Schema.optionalKey(PositiveInt)
})

const Limits = Schema.Struct({
  rpm: Schema.optionalKey(PositiveInt),
  tpm: Schema.optionalKey(PositiveInt),
  rpd: Schema.optionalKey(PositiveInt),
  tpr: Schema.optionalKey(PositiveInt),
  concurrency: Schema.optionalKey(PositiveInt)
})

const Strategy = Schema.Literals(["weighted", "priority", "random", "least-busy", "latency", "headroom"])

const Resilience = Schema.Struct({
  max_attempts: Schema.optionalKey(PositiveInt),
  backoff_ms: Schema.optionalKey(NonNegativeInt),
  max_backoff_ms: Schema.optionalKey(NonNegativeInt),
  deadline_ms: Schema.optionalKey(PositiveInt),
  queue_timeout_ms: Schema.optionalKey(NonNegativeInt),
  circuit: Schema.optionalKey(Schema.Struct({
    consecutive_failures: Schema.optionalKey(PositiveInt),
    error_rate: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1))),
    min_requests: Schema.optionalKey(PositiveInt),
    window_ms: Schema.optionalKey(PositiveInt),
    open_ms: Schema.optionalKey(PositiveInt)
  }))
})

const Telemetry = Schema.Struct({
  // Empty (e.g. `${OTLP_ENDPOINT:-}`) means no traces.
  otlp_endpoint: Schema.optionalKey(
    Schema.String.check(Schema.makeFilter((text) => text === "" || isHttpUrl(text), { expected: "an http(s) URL" }))
  ),
  service_name: Schema.optionalKey(NonEmpty),
  export_interval_ms: Schema.optionalKey(PositiveInt)
})

const Provider = Schema.Struct({
  name: Schema.String.check(
    Schema.isPattern(/^[A-Za-z0-9_.-]+$/, { expected: "a name of letters, digits, '_', '.' or '-'" })
  ),
  type: Schema.Literals(providerTypes).annotate({
    message: `unknown provider type; valid types: ${providerTypes.join(", ")}`
  }),
  base_url: Schema.optionalKey(Schema.String.check(Schema.makeFilter(isHttpUrl, { expected: "an http(s) URL" }))),
  keys: Schema.optionalKey(Schema.Array(Schema.Union([
    Secret,
    Schema.Struct({ key: Secret, limits: Schema.optionalKey(Limits), disabled: Schema.optionalKey(Schema.Boolean) })
  ]))),
  /** Limits of each of the provider's keys, unless a key sets its own. */
  limits: Schema.optionalKey(Limits),
  disabled: Schema.optionalKey(Schema.Boolean),
  weight: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  models: ModelNames,
  model_map: Schema.optionalKey(Schema.Record(Schema.String, NonEmpty)),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Text)),
  tls_verify: Schema.optionalKey(Schema.Boolean),
  api_version: Schema.optionalKey(NonEmpty),
  timeout_ms: Schema.optionalKey(PositiveInt),
  connect_timeout_ms: Schema.optionalKey(PositiveInt),
  stream_idle_timeout_ms: Schema.optionalKey(PositiveInt),
  total_timeout_ms: Schema.optionalKey(PositiveInt),
  /** Asks the upstream's models list at an interval: a success closes an open circuit, failures open it. */
  probe: Schema.optionalKey(Schema.Struct({
    interval_ms: Schema.optionalKey(PositiveInt),
    timeout_ms: Schema.optionalKey(PositiveInt)
  }))
})

const Period = Schema.Literals(["daily", "weekly", "monthly", "total"])

const VirtualKey = Schema.Struct({
  name: NonEmpty,
  key: Secret,
  models: Schema.optionalKey(Schema.Array(NonEmpty)),
  capture_bodies: Schema.optionalKey(Schema.Boolean),
  budget: Schema.optionalKey(Schema.Struct({ usd: NonNegative, period: Schema.optionalKey(Period) })),
  token_quota: Schema.optionalKey(Schema.Struct({ tokens: NonNegativeInt, period: Schema.optionalKey(Period) })),
  limits: Schema.optionalKey(Schema.Struct({
    rpm: Schema.optionalKey(NonNegativeInt),
    tpm: Schema.optionalKey(NonNegativeInt),
    rps: Schema.optionalKey(NonNegative),
    burst: Schema.optionalKey(NonNegativeInt),
    concurrency: Schema.optionalKey(NonNegativeInt)
  })),
  allow_unpriced: Schema.optionalKey(Schema.Boolean)
})

const Price = Schema.Struct({
  input_per_mtok: NonNegative,
  output_per_mtok: NonNegative,
  cached_input_per_mtok: Schema.optionalKey(NonNegative),
  max_output_tokens: Schema.optionalKey(PositiveInt)
})

/** The YAML file's shape (snake_case, defaults not applied); cross-field rules live in `crossCheck`. */
export const RawConfig = Schema.Struct({
  server: Schema.optionalKey(Server),
  database: Schema.optionalKey(Schema.Struct({ url: Schema.optionalKey(NonEmpty) })),
  logging: Schema.optionalKey(Logging),
  ledger: Schema.optionalKey(Ledger),
  telemetry: Schema.optionalKey(Telemetry),
  providers: Schema.Array(Provider).check(Schema.isMinLength(1)),
  models: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({
    targets: Schema.optionalKey(ModelNames),
    strategy: Schema.optionalKey(Strategy),
    fallbacks: Schema.optionalKey(Schema.Array(NonEmpty)),
    context_window: Schema.optionalKey(PositiveInt),
    context_fallback: Schema.optionalKey(NonEmpty)
  }))),
  resilience: Schema.optionalKey(Resilience),
  keys: Schema.optionalKey(Schema.Array(VirtualKey)),
  pricing: Schema.optionalKey(Schema.Record(Schema.String, Price))
})

export type RawConfig = typeof RawConfig.Type
