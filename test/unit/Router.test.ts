import { describe, expect, test } from "bun:test"
import { Effect, Layer, Redacted } from "effect"
import { AppConfig, type GatewayConfig, type ModelConfig, type ProviderConfig } from "../../src/Config.ts"
import type { GatewayError } from "../../src/domain/GatewayError.ts"
import { glob } from "../../src/domain/glob.ts"
import type { VirtualKey } from "../../src/domain/VirtualKey.ts"
import { ProviderPool } from "../../src/services/ProviderPool.ts"
import { type Routed, Router } from "../../src/services/Router.ts"
import { alias, testConfig, testKey, testProvider, testServer } from "./testConfig.ts"

const provider = testProvider

const config = (
  providerList: ReadonlyArray<ProviderConfig>,
  options: { readonly models?: Readonly<Record<string, ModelConfig>>; readonly modelPrefix?: string } = {}
): GatewayConfig =>
  testConfig({
    providers: providerList,
    models: options.models ?? {},
    server: { ...testServer, modelPrefix: options.modelPrefix }
  })

/** The router with a provider pool, as the Gateway uses them: resolve a model, then lease a target. */
interface Tested {
  readonly resolve: Router["Service"]["resolve"]
  readonly models: Router["Service"]["models"]
  readonly pool: ProviderPool["Service"]
}

const routerWith = (cfg: GatewayConfig): Tested =>
  Effect.runSync(
    Effect.provide(
      Effect.gen(function*() {
        const router = yield* Router
        return { resolve: router.resolve, models: router.models, pool: yield* ProviderPool }
      }),
      Layer.mergeAll(Router.layer, ProviderPool.layer).pipe(Layer.provide(Layer.succeed(AppConfig, cfg)))
    )
  )

const keyOf = (name: string, ...patterns: ReadonlyArray<string>): VirtualKey => {
  const regexes = patterns.map(glob)
  return { ...testKey(name, patterns), allows: (model) => regexes.some((regex) => regex.test(model)) }
}

const anyModel = keyOf("all", "*")

const resolveOk = (router: Tested, model: string, key: VirtualKey = anyModel): Routed => {
  const resolved = Effect.runSync(router.resolve(model, key))
  const acquired = router.pool.acquire(resolved.model, resolved.strategy, resolved.candidates, {
    tokens: 0,
    excluded: new Set(),
    prefer: undefined
  })
  if (!("lease" in acquired)) throw new Error(`no target available for ${model}`)
  acquired.lease.released({ status: 200, tokens: 0, ttftMs: undefined })
  return { model: resolved.model, candidate: acquired.lease.pooled.candidate, target: acquired.lease.pooled.target }
}

const resolveErr = (router: Tested, model: string, key: VirtualKey = anyModel): GatewayError =>
  Effect.runSync(Effect.flip(router.resolve(model, key)))

const picks = (router: Tested, model: string, n: number, key: VirtualKey = anyModel): Array<string> =>
  Array.from({ length: n }, () => resolveOk(router, model, key).candidate.provider.name)

describe("Router.resolve: smooth weighted round robin", () => {
  test("weights 3:1 give exactly 3:1 in every window of 4 picks, interleaved", () => {
    const router = routerWith(config([
      provider({ name: "a", models: ["m"], weight: 3 }),
      provider({ name: "b", models: ["m"], weight: 1 })
    ]))
    const sequence = picks(router, "m", 40)
    for (let i = 0; i < sequence.length; i += 4) {
      const window = sequence.slice(i, i + 4)
      expect(window.filter((name) => name === "a").length).toBe(3)
      expect(window.filter((name) => name === "b").length).toBe(1)
    }
    // Smooth: never four of the same in a row, the minority provider does not come in bunches.
    expect(sequence.slice(0, 4)).toEqual(["a", "a", "b", "a"])
  })

  test("weights 5:1:1 follow nginx's sequence a a b a c a a, cycle after cycle", () => {
    const router = routerWith(config([
      provider({ name: "a", models: ["m"], weight: 5 }),
      provider({ name: "b", models: ["m"], weight: 1 }),
      provider({ name: "c", models: ["m"], weight: 1 })
    ]))
    const cycle = ["a", "a", "b", "a", "c", "a", "a"]
    expect(picks(router, "m", 21)).toEqual([...cycle, ...cycle, ...cycle])
  })

  test("equal weights alternate", () => {
    const router = routerWith(config([
      provider({ name: "a", models: ["m"] }),
      provider({ name: "b", models: ["m"] })
    ]))
    expect(picks(router, "m", 6)).toEqual(["a", "b", "a", "b", "a", "b"])
  })

  test("each public name keeps its own rotation", () => {
    const router = routerWith(config(
      [provider({ name: "a", models: ["m"] }), provider({ name: "b", models: ["m"] })],
      { models: { alias: alias("m") } }
    ))
    expect(picks(router, "m", 1)).toEqual(["a"])
    expect(picks(router, "alias", 1)).toEqual(["a"])
    expect(picks(router, "m", 1)).toEqual(["b"])
    expect(picks(router, "alias", 1)).toEqual(["b"])
  })

  test("a single candidate is always picked", () => {
    const router = routerWith(config([provider({ name: "only", models: ["m"], weight: 7 })]))
    expect(picks(router, "m", 5)).toEqual(["only", "only", "only", "only", "only"])
  })
})

describe("Router.resolve: targets", () => {
  test("the target carries the provider settings and the upstream model name", () => {
    const router = routerWith(config([
      provider({ name: "p1", models: ["fast"], modelMap: { fast: "vendor-fast-v2" }, headers: { "x-a": "1" } })
    ]))
    const routed = resolveOk(router, "fast")
    expect(routed.model).toBe("fast")
    expect(routed.target.upstreamModel).toBe("vendor-fast-v2")
    expect(routed.target.provider).toEqual({
      name: "p1",
      type: "openai-compatible",
      baseUrl: "http://upstream.test/v1",
      headers: { "x-a": "1" }
    })
    expect(routed.candidate.qualified).toBe("p1/fast")
  })

  test("a provider's keys are used in turn", () => {
    const router = routerWith(config([
      provider({
        name: "p1",
        models: ["m"],
        keys: [{ key: Redacted.make("k1"), limits: {}, disabled: false }, { key: Redacted.make("k2"), limits: {}, disabled: false }, { key: Redacted.make("k3"), limits: {}, disabled: false }]
      })
    ]))
    const keys = Array.from({ length: 7 }, () => {
      const key = resolveOk(router, "m").target.key
      return key === undefined ? "none" : Redacted.value(key)
    })
    expect(keys).toEqual(["k1", "k2", "k3", "k1", "k2", "k3", "k1"])
  })

  test("each model name balances the provider's keys on its own", () => {
    const router = routerWith(config([
      provider({ name: "p1", models: ["m", "n"], keys: [{ key: Redacted.make("k1"), limits: {}, disabled: false }, { key: Redacted.make("k2"), limits: {}, disabled: false }] })
    ]))
    const keyFor = (model: string) => Redacted.value(resolveOk(router, model).target.key!)
    expect([keyFor("m"), keyFor("n"), keyFor("m"), keyFor("n")]).toEqual(["k1", "k1", "k2", "k2"])
  })

  test("a provider without keys gives no key", () => {
    const router = routerWith(config([provider({ name: "local", type: "ollama", models: ["llama3"], keys: [] })]))
    expect(resolveOk(router, "llama3").target.key).toBeUndefined()
  })

  test("provider/model goes only to that provider", () => {
    const router = routerWith(config([
      provider({ name: "p1", models: ["m"], weight: 100 }),
      provider({ name: "p2", models: ["m"] })
    ]))
    expect(picks(router, "p2/m", 3)).toEqual(["p2", "p2", "p2"])
    expect(resolveOk(router, "p2/m").model).toBe("p2/m")
  })
})

describe("Router.resolve: model prefix", () => {
  const router = routerWith(config(
    [provider({ name: "p1", models: ["x"] })],
    { modelPrefix: "Proxy" }
  ))

  test("the prefix is stripped from the requested name", () => {
    const routed = resolveOk(router, "Proxy/x")
    expect(routed.model).toBe("x")
    expect(routed.target.upstreamModel).toBe("x")
  })

  test("the prefix works in front of provider/model too", () => {
    expect(resolveOk(router, "Proxy/p1/x").model).toBe("p1/x")
  })

  test("the unprefixed name still routes", () => {
    expect(resolveOk(router, "x").model).toBe("x")
  })

  test("another prefix is not stripped", () => {
    const error = resolveErr(router, "Other/x")
    expect(error.reason._tag).toBe("NoRoute")
    if (error.reason._tag !== "NoRoute") throw new Error("unreachable")
    expect(error.reason.model).toBe("Other/x")
  })

  test("the prefix must be followed by a slash", () => {
    expect(resolveErr(router, "Proxyx").reason._tag).toBe("NoRoute")
  })

  test("the prefix is stripped once only", () => {
    expect(resolveErr(router, "Proxy/Proxy/x").reason._tag).toBe("NoRoute")
  })

  test("without a configured prefix nothing is stripped", () => {
    const plain = routerWith(config([provider({ name: "p1", models: ["x"] })]))
    expect(resolveErr(plain, "Proxy/x").reason._tag).toBe("NoRoute")
  })
})

describe("Router.resolve: errors", () => {
  const router = routerWith(config(
    [
      provider({ name: "p1", models: ["gpt-4o", "gpt-4o-mini"] }),
      provider({ name: "p2", models: ["gpt-4o", "claude-sonnet"] })
    ],
    { models: { smart: alias("gpt-4o") } }
  ))

  test("an unknown model is NoRoute (404) naming the model, with close-match suggestions", () => {
    const error = resolveErr(router, "gpt-4p")
    const reason = error.reason
    if (reason._tag !== "NoRoute") throw new Error(`expected NoRoute, got ${reason._tag}`)
    expect(reason.status).toBe(404)
    expect(reason.code).toBe("model_not_found")
    expect(reason.model).toBe("gpt-4p")
    expect(reason.suggestions).toEqual(["gpt-4o"])
    expect(error.message).toContain("'gpt-4p'")
    expect(error.message).toContain("Did you mean: gpt-4o?")
  })

  test("suggestions come from listed names only, never provider/model names", () => {
    const reason = resolveErr(router, "p1").reason
    if (reason._tag !== "NoRoute") throw new Error(`expected NoRoute, got ${reason._tag}`)
    expect(reason.suggestions).toEqual([])
    expect(resolveErr(router, "p1").message).not.toContain("Did you mean")
  })

  test("suggestions include aliases and substring matches", () => {
    const reason = resolveErr(router, "Sonnet").reason
    if (reason._tag !== "NoRoute") throw new Error(`expected NoRoute, got ${reason._tag}`)
    expect(reason.suggestions).toEqual(["claude-sonnet"])
    const alias = resolveErr(router, "smrt").reason
    if (alias._tag !== "NoRoute") throw new Error(`expected NoRoute, got ${alias._tag}`)
    expect(alias.suggestions).toEqual(["smart"])
  })

  test("with the prefix, NoRoute reports the name as requested but suggests from the stripped name", () => {
    const prefixed = routerWith(config([provider({ name: "p1", models: ["gpt-4o"] })], { modelPrefix: "Proxy" }))
    const reason = resolveErr(prefixed, "Proxy/gpt-4p").reason
    if (reason._tag !== "NoRoute") throw new Error(`expected NoRoute, got ${reason._tag}`)
    expect(reason.model).toBe("Proxy/gpt-4p")
    expect(reason.suggestions).toEqual(["gpt-4o"])
  })

  test("a key whose globs allow no candidate is Forbidden (403)", () => {
    const key = keyOf("team-a", "claude-*")
    const error = resolveErr(router, "gpt-4o", key)
    const reason = error.reason
    if (reason._tag !== "Forbidden") throw new Error(`expected Forbidden, got ${reason._tag}`)
    expect(reason.status).toBe(403)
    expect(reason.code).toBe("model_not_allowed")
    expect(reason.message).toContain("'team-a'")
    expect(reason.message).toContain("'gpt-4o'")
    expect(resolveErr(router, "smart", key).reason._tag).toBe("Forbidden")
    expect(resolveErr(router, "p1/gpt-4o", key).reason._tag).toBe("Forbidden")
    expect(resolveOk(router, "claude-sonnet", key).candidate.provider.name).toBe("p2")
  })

  test("a key with no globs is Forbidden everywhere, but unknown models are still NoRoute", () => {
    const none = keyOf("none")
    expect(resolveErr(router, "gpt-4o", none).reason._tag).toBe("Forbidden")
    expect(resolveErr(router, "nope", none).reason._tag).toBe("NoRoute")
  })

  test("a glob on provider/model allows the bare name but routes only to that provider", () => {
    const key = keyOf("p2-only", "p2/gpt-4o")
    expect(picks(router, "gpt-4o", 4, key)).toEqual(["p2", "p2", "p2", "p2"])
    expect(picks(router, "smart", 3, key)).toEqual(["p2", "p2", "p2"])
    expect(resolveOk(router, "p2/gpt-4o", key).candidate.provider.name).toBe("p2")
    expect(resolveErr(router, "p1/gpt-4o", key).reason._tag).toBe("Forbidden")
    expect(resolveErr(router, "gpt-4o-mini", key).reason._tag).toBe("Forbidden")
  })

  test("a glob on a provider's models routes a shared model only to that provider", () => {
    const key = keyOf("p1-all", "p1/*")
    expect(picks(router, "gpt-4o", 3, key)).toEqual(["p1", "p1", "p1"])
    expect(resolveErr(router, "claude-sonnet", key).reason._tag).toBe("Forbidden")
  })

  test("a glob on the public name allows every candidate", () => {
    const key = keyOf("gpt", "gpt-4o")
    const router2 = routerWith(config([
      provider({ name: "p1", models: ["gpt-4o"] }),
      provider({ name: "p2", models: ["gpt-4o"] })
    ]))
    expect(picks(router2, "gpt-4o", 4, key)).toEqual(["p1", "p2", "p1", "p2"])
  })
})

describe("Router.models", () => {
  const router = routerWith(config(
    [
      provider({ name: "p1", models: ["zeta", "gpt-4o", "Alpha"] }),
      provider({ name: "p2", models: ["gpt-4o", "claude-sonnet"] })
    ],
    { models: { smart: alias("p2/gpt-4o"), best: alias("claude-sonnet") } }
  ))

  test("lists bare names and aliases only, sorted", () => {
    const names = router.models(anyModel)
    expect(names).toEqual(["Alpha", "best", "claude-sonnet", "gpt-4o", "smart", "zeta"])
    expect(names.some((name) => name.includes("/"))).toBe(false)
  })

  test("filters by the key's globs", () => {
    expect(router.models(keyOf("gpt", "gpt-*"))).toEqual(["gpt-4o"])
    expect(router.models(keyOf("none"))).toEqual([])
    expect(router.models(keyOf("aliases", "smart", "best"))).toEqual(["best", "smart"])
  })

  test("a provider/model glob lists the bare names and aliases that reach that provider", () => {
    expect(router.models(keyOf("p2", "p2/*"))).toEqual(["best", "claude-sonnet", "gpt-4o", "smart"])
    expect(router.models(keyOf("p1", "p1/*"))).toEqual(["Alpha", "gpt-4o", "zeta"])
  })

  test("listing does not advance any rotation", () => {
    const shared = routerWith(config([provider({ name: "a", models: ["m"] }), provider({ name: "b", models: ["m"] })]))
    shared.models(anyModel)
    shared.models(anyModel)
    expect(picks(shared, "m", 2)).toEqual(["a", "b"])
  })
})
