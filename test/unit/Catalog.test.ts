import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, ManagedRuntime, Redacted, Result } from "effect"
import type { CatalogEntry } from "../../src/config/CatalogEntry.ts"
import { AppConfig, type ConfigProblem, formatProblems, type GatewayConfig, loadConfig, parseConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import { maskSecret } from "../../src/domain/maskSecret.ts"
import { keepStoredSecrets } from "../../src/http/admin/keepStoredSecrets.ts"
import { Catalog } from "../../src/services/Catalog.ts"
import { KeyStore } from "../../src/services/KeyStore.ts"
import { Pricing } from "../../src/services/Pricing.ts"
import { ProviderPool } from "../../src/services/ProviderPool.ts"
import { Reloader } from "../../src/services/Reloader.ts"
import { Router } from "../../src/services/Router.ts"
import { testConfig, testKey } from "./testConfig.ts"

const file = `providers:
  - { name: local, type: mock, models: [demo] }
models:
  fast: { targets: [demo] }
pricing:
  demo: { input_per_mtok: 1, output_per_mtok: 2 }
`

const secret = "sk-catalog-0123456789abcdef"

const extra: CatalogEntry = {
  kind: "provider",
  name: "extra",
  body: { type: "openai-compatible", base_url: "http://upstream.test/v1", keys: [secret], models: ["m1"] }
}
const smart: CatalogEntry = { kind: "model", name: "smart", body: { targets: ["m1", "demo"], strategy: "priority" } }
const m1Price: CatalogEntry = { kind: "price", name: "m1", body: { input_per_mtok: 3, output_per_mtok: 4 } }

const parse = (text: string, catalog: ReadonlyArray<CatalogEntry>) =>
  parseConfig(text, { file: "config.yaml", env: {}, baseDir: "/srv/sluice", catalog })

const parseOk = (text: string, catalog: ReadonlyArray<CatalogEntry>): GatewayConfig => {
  const result = parse(text, catalog)
  if (Result.isFailure(result)) throw new Error(formatProblems(result.failure))
  return result.success
}

const problems = (text: string, catalog: ReadonlyArray<CatalogEntry>): ReadonlyArray<ConfigProblem> => {
  const result = parse(text, catalog)
  if (Result.isSuccess(result)) throw new Error("expected the config to be rejected")
  return result.failure
}

const dirs: Array<string> = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe("the catalog merged into the config", () => {
  test("catalog providers come after the file's; catalog models and prices sit beside the file's", () => {
    const config = parseOk(file, [extra, smart, m1Price])
    expect(config.providers.map(({ name }) => name)).toEqual(["local", "extra"])
    expect(config.providers[1]?.keys.map(({ key }) => Redacted.value(key))).toEqual([secret])
    expect(Object.keys(config.models)).toEqual(["fast", "smart"])
    expect(config.models.smart).toMatchObject({ targets: ["m1", "demo"], strategy: "priority" })
    expect(config.pricing.m1).toMatchObject({ inputPerMtok: 3, outputPerMtok: 4 })
  })

  test("the file and the catalog are validated together: a file alias may target a catalog provider's model", () => {
    const aliasOfCatalog = file.replace("fast: { targets: [demo] }", "fast: { targets: [demo, m1] }")
    expect(problems(aliasOfCatalog, []).map(({ path }) => path)).toEqual(["models.fast.targets[1]"])
    expect(parseOk(aliasOfCatalog, [extra]).models.fast?.targets).toEqual(["demo", "m1"])
  })

  test("a file without providers is valid once the catalog has one", () => {
    const config = parseOk("logging: { level: warn }\n", [extra])
    expect(config.providers.map(({ name }) => name)).toEqual(["extra"])
  })

  test("problems of catalog entries are named by their catalog path, never by a file line", () => {
    const broken: ReadonlyArray<CatalogEntry> = [
      { kind: "provider", name: "extra", body: { type: "openai-compatible", base_url: "not a url", keys: [secret], models: ["m1"], wieght: 2 } },
      { kind: "provider", name: "bare", body: { type: "openai-compatible", models: ["m2"] } },
      { kind: "model", name: "smart", body: { targets: ["m1", "nowhere"] } },
      { kind: "price", name: "m1", body: { input_per_mtok: -1, output_per_mtok: 4 } }
    ]
    const found = problems(`${file}server: { port: "http" }\n`, broken)
    expect(found.filter(({ origin }) => origin === "database").map(({ path }) => path).sort()).toEqual([
      "catalog.models.smart.targets[1]",
      "catalog.pricing.m1.input_per_mtok",
      "catalog.providers.bare.base_url",
      "catalog.providers.extra.base_url",
      "catalog.providers.extra.wieght"
    ])
    expect(found.find(({ path }) => path === "catalog.providers.extra.wieght")?.message).toBe('unknown field (did you mean "weight"?)')
    // The file's own problems keep their file positions.
    expect(found.find(({ path }) => path === "server.port")?.origin).toStartWith("config.yaml:7:")
    expect(JSON.stringify(found)).not.toContain(secret)
  })

  test("a catalog entry named like one of the file's is a problem, not an override", () => {
    const clashes: ReadonlyArray<CatalogEntry> = [
      { ...extra, name: "local" },
      { kind: "model", name: "fast", body: { targets: ["demo"] } },
      { kind: "price", name: "demo", body: { input_per_mtok: 0, output_per_mtok: 0 } }
    ]
    expect(problems(file, clashes).map(({ path, origin }) => `${origin} ${path}`)).toEqual([
      "database catalog.providers.local",
      "database catalog.models.fast",
      "database catalog.pricing.demo"
    ])
  })

  test("the version changes with the catalog, and only with it", () => {
    const none = parseOk(file, []).version
    const one = parseOk(file, [extra]).version
    expect(one).not.toBe(none)
    expect(parseOk(file, [extra]).version).toBe(one)
    expect(parseOk(file, [extra, m1Price]).version).not.toBe(one)
    expect(parseOk(file, [{ ...extra, body: { ...extra.body, weight: 2 } }]).version).not.toBe(one)
  })
})

/** A config file in a fresh directory, its database beside it. */
const configFile = (text: string) => {
  const dir = tempDir()
  const path = join(dir, "config.yaml")
  const databaseUrl = `sqlite:${join(dir, "sluice.db")}`
  writeFileSync(path, `database: { url: "${databaseUrl}" }\n${text}`)
  return { path, databaseUrl }
}

/** Writes entries with the Catalog service into the database at `url` (migrated on open). */
const store = (url: string, entries: ReadonlyArray<CatalogEntry>) =>
  Effect.runPromise(Effect.gen(function*() {
    const catalog = yield* Catalog
    for (const entry of entries) yield* catalog.put(entry.kind, entry.name, entry.body)
  }).pipe(
    Effect.provide(Catalog.layer.pipe(Layer.provide(Database.layer), Layer.provide(Layer.succeed(AppConfig, testConfig({ database: { url } })))))
  ))

const load = (path: string) => Effect.runPromise(loadConfig({ path, env: {} }))

describe("loadConfig and the catalog in the database", () => {
  test("a database that does not exist yet has no catalog", async () => {
    const { path } = configFile(file)
    expect((await load(path)).providers.map(({ name }) => name)).toEqual(["local"])
  })

  test("start-up reads the catalog of the config's database, so catalog entries survive a restart", async () => {
    const { path, databaseUrl } = configFile(file)
    const before = await load(path)
    await store(databaseUrl, [extra, smart])
    const after = await load(path)
    expect(after.providers.map(({ name }) => name)).toEqual(["local", "extra"])
    expect(after.models.smart?.targets).toEqual(["m1", "demo"])
    expect(after.version).not.toBe(before.version)
  })
})

describe("Reloader.change", () => {
  /** The Reloader and what it swaps configs into, on a config file and its database. */
  const start = async () => {
    const { path } = configFile(file)
    const config = await load(path)
    const layer = Reloader.layer({ path, env: {} }).pipe(
      Layer.provideMerge(Layer.mergeAll(Router.layer, KeyStore.layer, Pricing.layer, ProviderPool.layer, Catalog.layer)),
      Layer.provideMerge(Database.layer),
      Layer.provide(Layer.succeed(AppConfig, config))
    )
    const runtime = ManagedRuntime.make(layer)
    const context = await runtime.context()
    const reloader = Context.get(context, Reloader)
    const route = (model: string) => Effect.runPromiseExit(Context.get(context, Router).resolve(model, testKey("dev")))
    return { runtime, reloader, route }
  }

  test("a valid change is written and serving at once; an invalid one is refused and nothing changes", async () => {
    const { runtime, reloader, route } = await start()
    try {
      const before = reloader.version().version
      expect(Exit.isFailure(await route("m1"))).toBe(true)

      const added = await Effect.runPromise(reloader.change("test", () => Result.succeed({ ...extra })))
      expect(added.changed).toBe(true)
      expect(Exit.isSuccess(await route("m1"))).toBe(true)
      expect(reloader.serving().catalog).toEqual([extra])
      expect(reloader.version().version).not.toBe(before)

      const bad = { kind: "model" as const, name: "smart", body: { targets: ["nowhere"] } }
      const refused = await Effect.runPromise(Effect.flip(reloader.change("test", () => Result.succeed(bad))))
      expect(refused._tag).toBe("ConfigError")
      expect(reloader.serving().catalog).toEqual([extra])

      // A reload reads the catalog again (what a file change or SIGHUP does): the stored entry stays.
      const reloaded = await Effect.runPromise(reloader.reload("test"))
      expect(reloaded.changed).toBe(false)
      expect(Exit.isSuccess(await route("m1"))).toBe(true)

      const removed = await Effect.runPromise(reloader.change("test", () => Result.succeed({ ...extra, body: null })))
      expect(removed.changed).toBe(true)
      expect(Exit.isFailure(await route("m1"))).toBe(true)
      expect(reloader.version().version).toBe(before)
    } finally {
      await runtime.dispose()
    }
  })

  test("a plan's refusal is the change's failure; nothing is written", async () => {
    const { runtime, reloader } = await start()
    try {
      const refused = await Effect.runPromise(Effect.flip(reloader.change("test", () => Result.fail("no" as const))))
      expect(refused).toBe("no")
      expect(reloader.serving().catalog).toEqual([])
    } finally {
      await runtime.dispose()
    }
  })
})

describe("secrets of providers", () => {
  test("a masked secret shows its kind prefix and last 4 characters, and nothing of a short one", () => {
    expect(maskSecret("sk-0123456789abcdefWXYZ")).toBe("sk-…WXYZ")
    expect(maskSecret("sk-ant-api03-0123456789abcd")).toBe("sk-ant-…abcd")
    expect(maskSecret("0123456789abcdefghij")).toBe("…ghij")
    expect(maskSecret("short-key")).toBe("…")
  })

  const stored = {
    type: "openai-compatible",
    keys: ["sk-first-0123456789abcd", { key: "sk-second-0123456789wxyz", limits: { rpm: 5 } }],
    headers: { "x-api-key": "hdr-0123456789abcdef", "x-title": "Sluice" }
  }

  test("keys and headers left out keep the stored ones", () => {
    expect(keepStoredSecrets({ type: "openai-compatible", weight: 2 }, stored))
      .toEqual(Result.succeed({ type: "openai-compatible", weight: 2, keys: stored.keys, headers: stored.headers }))
  })

  test("a value sent back masked is the stored one it masks; a new value replaces it", () => {
    const body = {
      keys: [{ key: maskSecret("sk-second-0123456789wxyz"), limits: { rpm: 9 } }, "sk-new-key-000000000000"],
      headers: { "x-api-key": maskSecret("hdr-0123456789abcdef"), "x-title": "Other" }
    }
    expect(keepStoredSecrets(body, stored)).toEqual(Result.succeed({
      keys: [{ key: "sk-second-0123456789wxyz", limits: { rpm: 9 } }, "sk-new-key-000000000000"],
      headers: { "x-api-key": "hdr-0123456789abcdef", "x-title": "Other" }
    }))
  })

  test("a masked value that masks nothing stored is refused with its field", () => {
    expect(keepStoredSecrets({ keys: ["sk-…0000"] }, stored)).toMatchObject(Result.fail({ param: "keys[0]" }))
    expect(keepStoredSecrets({ headers: { authorization: "…" } }, stored)).toMatchObject(Result.fail({ param: "headers.authorization" }))
    expect(keepStoredSecrets({ keys: ["sk-…abcd"] }, {})).toMatchObject(Result.fail({ param: "keys[0]" }))
  })
})
