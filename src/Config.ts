import { readFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { Context, Effect, Predicate, type Redacted, Result, Schema } from "effect"
import { type Document, LineCounter, parseDocument } from "yaml"
import type { CatalogEntry } from "./config/CatalogEntry.ts"
import { crossCheck } from "./config/crossCheck.ts"
import { parseDotEnv } from "./config/parseDotEnv.ts"
import { formatPath, type Path, type PathProblem } from "./config/Path.ts"
import { RawConfig } from "./config/RawConfig.ts"
import { readCatalog } from "./config/readCatalog.ts"
import { type Location, readYamlTree, type YamlTree } from "./config/readYamlTree.ts"
import { schemaProblems } from "./config/schemaProblems.ts"
import { serverOverrides } from "./config/serverOverrides.ts"
import { defaultDatabaseUrl, resolveDatabaseUrl, toGatewayConfig } from "./config/toGatewayConfig.ts"
import { withCatalog } from "./config/withCatalog.ts"
import type { KeyBudget, KeyLimits, TokenQuota } from "./domain/VirtualKey.ts"
import type { ProviderType } from "./providers/index.ts"

export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly maxBodyBytes: number
  readonly modelPrefix: string | undefined
  readonly shutdownTimeoutMs: number
  readonly upstreamTimeoutMs: number
  /** How long a TCP connection to an upstream not heard from lately may take to open; then 504. */
  readonly connectTimeoutMs: number
  readonly streamIdleTimeoutMs: number
  /** Headers to last byte of one upstream exchange; undefined: no limit beyond the other timeouts. */
  readonly totalTimeoutMs: number | undefined
  /** The admin API's key; undefined leaves the admin API off. */
  readonly adminKey: Redacted.Redacted<string> | undefined
  readonly cors: CorsConfig | undefined
  /** Reload when the config file changes. */
  readonly watchConfig: boolean
  /** `none`: every request is served as an anonymous key (loopback only). */
  readonly auth: "keys" | "none"
  /** Signs admin session tokens; undefined: generated once and kept in the database. */
  readonly jwtSecret: Redacted.Redacted<string> | undefined
}

export interface CorsConfig {
  /** Allowed origins; `*` allows any. */
  readonly origins: ReadonlyArray<string>
  /** Request headers browsers may send, besides the defaults. */
  readonly headers: ReadonlyArray<string>
}

export type LogLevel = "debug" | "info" | "warn" | "error"

export interface LoggingConfig {
  readonly level: LogLevel
  /** One JSON line per request on stdout. */
  readonly accessLog: boolean
}

export interface TelemetryConfig {
  /** An OTLP/HTTP collector's base URL (traces go to `/v1/traces`); undefined: no traces. */
  readonly otlpEndpoint: string | undefined
  readonly serviceName: string
  readonly exportIntervalMs: number
}

export interface LedgerConfig {
  /** Rows (and captured bodies) older than this are deleted; undefined keeps everything. */
  readonly retentionDays: number | undefined
  /** Store request and response bodies for every key (keys can also opt in one by one). */
  readonly captureBodies: boolean
  /** Each captured body is cut at this many bytes. */
  readonly captureMaxBytes: number
}

/** An upstream key's limits; undefined means unlimited. */
export interface LimitsConfig {
  readonly rpm?: number | undefined
  readonly tpm?: number | undefined
  readonly rpd?: number | undefined
  readonly tpr?: number | undefined
  readonly concurrency?: number | undefined
}

export interface ProviderKeyConfig {
  readonly key: Redacted.Redacted<string>
  readonly limits: LimitsConfig
  readonly disabled: boolean
}

export type Strategy = "weighted" | "priority" | "random" | "least-busy" | "latency" | "headroom"

export interface CircuitConfig {
  readonly consecutiveFailures: number
  readonly errorRate: number
  readonly minRequests: number
  readonly windowMs: number
  readonly openMs: number
}

/** Retries, fallbacks and waiting for capacity, for every request. */
export interface ResilienceConfig {
  /** Attempts per request, the first included (1: no retry). */
  readonly maxAttempts: number
  readonly backoffMs: number
  readonly maxBackoffMs: number
  /** Retries and waits stop once this much time has passed since the request arrived. */
  readonly deadlineMs: number
  /** How long a request waits for capacity when every target is saturated or cooling down. */
  readonly queueTimeoutMs: number
  readonly circuit: CircuitConfig
}

export interface ProviderConfig {
  readonly name: string
  readonly type: ProviderType
  readonly baseUrl: string | undefined
  readonly keys: ReadonlyArray<ProviderKeyConfig>
  readonly weight: number
  readonly models: ReadonlyArray<string>
  readonly modelMap: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly tlsVerify: boolean
  readonly disabled: boolean
  /** Azure OpenAI's `api-version` query parameter. */
  readonly apiVersion: string | undefined
  readonly timeoutMs: number | undefined
  readonly connectTimeoutMs: number | undefined
  readonly streamIdleTimeoutMs: number | undefined
  readonly totalTimeoutMs: number | undefined
  /** Active health probes; undefined: none. */
  readonly probe: { readonly intervalMs: number; readonly timeoutMs: number } | undefined
}

export interface ModelConfig {
  /** An alias's targets; undefined for settings of a model providers serve under this name. */
  readonly targets: ReadonlyArray<string> | undefined
  readonly strategy: Strategy
  /** Models tried, in order, when every target of this one has failed or is unavailable. */
  readonly fallbacks: ReadonlyArray<string>
  /** Tokens the model takes (prompt + max output); a longer request goes to `contextFallback`. */
  readonly contextWindow: number | undefined
  readonly contextFallback: string | undefined
}

export interface VirtualKeyConfig {
  readonly name: string
  readonly key: Redacted.Redacted<string>
  readonly models: ReadonlyArray<string>
  readonly captureBodies: boolean
  readonly limits: KeyLimits
  readonly budget: KeyBudget | undefined
  readonly tokenQuota: TokenQuota | undefined
  readonly allowUnpriced: boolean
}

export interface PriceConfig {
  readonly inputPerMtok: number
  readonly outputPerMtok: number
  readonly cachedInputPerMtok: number | undefined
  readonly maxOutputTokens: number | undefined
}

export interface GatewayConfig {
  /** A hash of the config's sources (file, .env when loaded from disk, and the catalog in the database): what `/admin/v1/config/version` shows. */
  readonly version: string
  readonly server: ServerConfig
  readonly database: { readonly url: string }
  readonly logging: LoggingConfig
  readonly ledger: LedgerConfig
  readonly telemetry: TelemetryConfig
  readonly resilience: ResilienceConfig
  readonly providers: ReadonlyArray<ProviderConfig>
  readonly models: Readonly<Record<string, ModelConfig>>
  readonly keys: ReadonlyArray<VirtualKeyConfig>
  readonly pricing: Readonly<Record<string, PriceConfig>>
}

/** The validated configuration, provided once by `main.ts`. */
export class AppConfig extends Context.Service<AppConfig, GatewayConfig>()("sluice/Config") {}

export interface ConfigProblem {
  /** In YAML terms, e.g. `providers[1].type`; empty for problems that concern the whole file. */
  readonly path: string
  readonly message: string
  /** `config.yaml:12:9`, plus ` (from ${VAR})` when the value came from the environment. */
  readonly origin: string
}

const ConfigProblemSchema = Schema.Struct({ path: Schema.String, message: Schema.String, origin: Schema.String })

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  problems: Schema.Array(ConfigProblemSchema)
}) {
  override get message(): string {
    return `Invalid configuration:\n${formatProblems(this.problems)}`
  }
}

/** One line per problem: `<origin> <path>: <message>`. */
export const formatProblems = (problems: ReadonlyArray<ConfigProblem>): string =>
  problems.map(({ origin, path, message }) => `${origin}${path === "" ? "" : ` ${path}`}: ${message}`).join("\n")

type Env = Readonly<Record<string, string | undefined>>

interface Positioned extends ConfigProblem {
  readonly line: number
  readonly col: number
}

const syntaxProblems = (doc: Document, lineCounter: LineCounter, file: string): ReadonlyArray<Positioned> =>
  doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0])
    return { path: "", message: error.message, origin: `${file}:${line}:${col}`, line, col }
  })

/** The value's own location, or for a missing key the nearest parent's. */
const findLocation = (locations: ReadonlyMap<string, Location>, path: Path): Location | undefined =>
  locations.get(formatPath(path)) ?? (path.length === 0 ? undefined : findLocation(locations, path.slice(0, -1)))

const locate = (locations: ReadonlyMap<string, Location>, file: string) => (problem: PathProblem): Positioned => {
  const { line, col, vars } = findLocation(locations, problem.path) ?? { line: 1, col: 1, vars: [] }
  const from = vars.length === 0 ? "" : ` (from ${vars.map((name) => `\${${name}}`).join(", ")})`
  const origin = `${file}:${line}:${col}${from}`
  return { path: formatPath(problem.path), message: problem.message, origin, line, col }
}

const inFileOrder = (problems: ReadonlyArray<Positioned>): ReadonlyArray<ConfigProblem> =>
  [...problems]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map(({ path, message, origin }) => ({ path, message, origin }))

const decodeRaw = Schema.decodeUnknownResult(RawConfig)

const versionOf = (...sources: ReadonlyArray<string>): string =>
  new Bun.CryptoHasher("sha256").update(sources.join("\0")).digest("hex").slice(0, 16)

const logLevels: ReadonlyArray<LogLevel> = ["debug", "info", "warn", "error"]

/** LOG_LEVEL from the environment wins over `logging.level`. */
const logLevelOverride = (value: string | undefined): Result.Result<LogLevel | undefined, ReadonlyArray<ConfigProblem>> => {
  if (!value) return Result.succeed(undefined)
  const level = logLevels.find((candidate) => candidate === value.toLowerCase())
  return level !== undefined
    ? Result.succeed(level)
    : Result.fail([{ path: "logging.level", message: `expected one of ${logLevels.join(", ")}, got ${JSON.stringify(value)}`, origin: "env LOG_LEVEL" }])
}

interface ParsedText {
  readonly doc: Document
  readonly lineCounter: LineCounter
  readonly tree: YamlTree
}

const parseText = (text: string, env: Env): ParsedText => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  return { doc, lineCounter, tree: readYamlTree(doc, lineCounter, env) }
}

/** Problems of catalog entries have no line to point at: they are named by their catalog path. */
const catalogOrigin = "database"

const validate = (
  { doc, lineCounter, tree }: ParsedText,
  text: string,
  options: { readonly file: string; readonly baseDir: string; readonly catalog: ReadonlyArray<CatalogEntry> }
): Result.Result<GatewayConfig, ReadonlyArray<ConfigProblem>> => {
  const merged = withCatalog(tree.value, options.catalog)
  const decoded = decodeRaw(merged.value, { errors: "all", onExcessProperty: "error" })
  // A value whose variable is unset is reported once, not again by the checks that then see it empty.
  const unset = new Set(tree.problems.map((problem) => formatPath(problem.path)))
  const shapeProblems = Result.isFailure(decoded) ? schemaProblems(decoded.failure.issue) : []
  const checks = [...shapeProblems, ...crossCheck(merged.value)]
    .filter((problem) => !unset.has(formatPath(problem.path)))
  const inCatalog = checks.flatMap((problem) => {
    const path = merged.catalogPath(problem.path)
    return path === undefined ? [] : [{ path: formatPath(path), message: problem.message, origin: catalogOrigin }]
  })
  const inFile = checks.filter((problem) => merged.catalogPath(problem.path) === undefined)
  // Syntax errors come first: they can make later problems in the same file misleading.
  const problems = [
    ...inFileOrder(syntaxProblems(doc, lineCounter, options.file)),
    ...inFileOrder([...tree.problems, ...inFile].map(locate(tree.locations, options.file))),
    ...merged.problems.map((problem) => ({ path: formatPath(problem.path), message: problem.message, origin: catalogOrigin })),
    ...inCatalog
  ]
  return Result.isSuccess(decoded) && problems.length === 0
    ? Result.succeed({ ...toGatewayConfig(decoded.success, options.baseDir), version: versionOf(text, JSON.stringify(options.catalog)) })
    : Result.fail(problems)
}

/**
 * Pure: parse + expand + validate YAML text, reporting every problem at once.
 * `file` is used in origins; `env` is the environment (already merged with .env);
 * relative paths resolve against `baseDir`. `catalog` (entries added through the admin API) is merged in before
 * validation; its problems are named by their catalog path (`catalog.providers.<name>.base_url`).
 */
export const parseConfig = (
  text: string,
  options: {
    readonly file: string
    readonly env: Env
    readonly baseDir: string
    readonly catalog?: ReadonlyArray<CatalogEntry> | undefined
  }
): Result.Result<GatewayConfig, ReadonlyArray<ConfigProblem>> =>
  validate(parseText(text, options.env), text, { ...options, catalog: options.catalog ?? [] })

/**
 * The database the catalog lives in, as the validated config will name it (default and relative path
 * resolved the same way); undefined when the file's `database.url` is invalid, which validation reports.
 */
const databaseUrlOf = (tree: unknown, baseDir: string): string | undefined => {
  const database = Predicate.isObject(tree) ? tree.database : undefined
  const url = Predicate.isObject(database) ? database.url : undefined
  if (url !== undefined && !(Predicate.isString(url) && url !== "")) return undefined
  return resolveDatabaseUrl(url ?? defaultDatabaseUrl, baseDir)
}

const catalogOf = (
  tree: unknown,
  baseDir: string,
  given: ReadonlyArray<CatalogEntry> | undefined
): Result.Result<ReadonlyArray<CatalogEntry>, ReadonlyArray<ConfigProblem>> => {
  if (given !== undefined) return Result.succeed(given)
  const url = databaseUrlOf(tree, baseDir)
  if (url === undefined) return Result.succeed([])
  return Result.mapError(readCatalog(url), (message) => [{ path: "catalog", message: `cannot read: ${message}`, origin: url }])
}

const fileProblem = (origin: string, cause: unknown): ConfigError =>
  new ConfigError({
    problems: [{ path: "", message: `cannot read: ${cause instanceof Error ? cause.message : String(cause)}`, origin }]
  })

const readText = (file: string) => Effect.tryPromise({ try: () => readFile(file, "utf8"), catch: (cause) => cause })

const isMissingFile = (cause: unknown): boolean => Predicate.hasProperty(cause, "code") && cause.code === "ENOENT"

const readDotEnv = (file: string, display: string) =>
  readText(file).pipe(
    Effect.catch((cause) => isMissingFile(cause) ? Effect.succeed("") : Effect.fail(fileProblem(display, cause))),
    Effect.map((text) => ({ ...parseDotEnv(text), text }))
  )

const definedOnly = (env: Env): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))

/**
 * Resolves the path (explicit path, else env CONFIG_PATH, else ./config.yaml), reads it, merges a `.env` file
 * next to it (real environment variables win over .env), merges the catalog (`options.catalog`, else the one in
 * the config's database), parses it and applies HOST and PORT from the environment (they win over the file).
 * The version hashes all three sources.
 */
export const loadConfig = Effect.fnUntraced(function*(
  options: {
    readonly path: string | undefined
    readonly env: Env
    readonly catalog?: ReadonlyArray<CatalogEntry> | undefined
  }
): Effect.fn.Return<GatewayConfig, ConfigError> {
  const display = options.path || options.env.CONFIG_PATH || "config.yaml"
  const file = resolve(display)
  const text = yield* readText(file).pipe(Effect.mapError((cause) => fileProblem(display, cause)))
  const dotEnvDisplay = join(dirname(display), ".env")
  const dotEnv = yield* readDotEnv(join(dirname(file), ".env"), dotEnvDisplay)
  const env = { ...dotEnv.vars, ...definedOnly(options.env) }
  const source = parseText(text, env)
  const catalog = catalogOf(source.tree.value, dirname(file), options.catalog)
  const entries = Result.getOrElse(catalog, () => [])
  const parsed = validate(source, text, { file: display, baseDir: dirname(file), catalog: entries })
  const overrides = serverOverrides(env)
  const level = logLevelOverride(env.LOG_LEVEL)
  const problems = [
    ...dotEnv.badLines.map((line) => ({ path: "", message: "expected KEY=value", origin: `${dotEnvDisplay}:${line}` })),
    ...(Result.isFailure(catalog) ? catalog.failure : []),
    ...(Result.isFailure(parsed) ? parsed.failure : []),
    ...(Result.isFailure(overrides) ? overrides.failure : []),
    ...(Result.isFailure(level) ? level.failure : [])
  ]
  if (problems.length > 0 || Result.isFailure(parsed) || Result.isFailure(overrides) || Result.isFailure(level)) {
    return yield* new ConfigError({ problems })
  }
  const config = parsed.success
  return {
    ...config,
    version: versionOf(text, dotEnv.text, JSON.stringify(entries)),
    server: { ...config.server, ...overrides.success },
    logging: { ...config.logging, level: level.success ?? config.logging.level }
  }
})
