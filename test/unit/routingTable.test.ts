import { describe, expect, test } from "bun:test"
import type { GatewayConfig, ModelConfig, ProviderConfig } from "../../src/Config.ts"
import { type Candidate, type Route, routingTable } from "../../src/domain/routingTable.ts"
import { providers } from "../../src/providers/index.ts"
import { alias, testConfig, testProvider } from "./testConfig.ts"

const provider = testProvider

const config = (
  providerList: ReadonlyArray<ProviderConfig>,
  models: Readonly<Record<string, ModelConfig>> = {}
): GatewayConfig => testConfig({ providers: providerList, models })

const routeOf = (table: ReadonlyMap<string, Route>, name: string): Route => {
  const route = table.get(name)
  if (route === undefined) throw new Error(`no route for '${name}'; have: ${[...table.keys()].join(", ")}`)
  return route
}

/** Each candidate as `provider/model` plus the upstream's name for it, for compact assertions. */
const summary = (route: Route) => route.candidates.map((c: Candidate) => `${c.qualified}->${c.upstreamModel}`)

describe("routingTable", () => {
  test("every model is routable by its bare name (listed) and as provider/model (not listed)", () => {
    const table = routingTable(config([provider({ name: "p1", models: ["gpt-4o", "gpt-4o-mini"] })]))
    expect([...table.keys()].sort()).toEqual(["gpt-4o", "gpt-4o-mini", "p1/gpt-4o", "p1/gpt-4o-mini"])
    expect(routeOf(table, "gpt-4o").listed).toBe(true)
    expect(routeOf(table, "gpt-4o-mini").listed).toBe(true)
    expect(routeOf(table, "p1/gpt-4o").listed).toBe(false)
    expect(routeOf(table, "p1/gpt-4o-mini").listed).toBe(false)
    expect(summary(routeOf(table, "gpt-4o"))).toEqual(["p1/gpt-4o->gpt-4o"])
    expect(summary(routeOf(table, "p1/gpt-4o"))).toEqual(["p1/gpt-4o->gpt-4o"])
  })

  test("the bare name and the provider/model name share the very same candidate", () => {
    const table = routingTable(config([provider({ name: "p1", models: ["m"] })]))
    expect(routeOf(table, "m").candidates[0]).toBe(routeOf(table, "p1/m").candidates[0]!)
  })

  test("a model name containing a slash keeps it: the qualified name is provider/<whole name>", () => {
    const table = routingTable(config([provider({ name: "or", models: ["meta-llama/llama-3-8b"] })]))
    expect(routeOf(table, "meta-llama/llama-3-8b").listed).toBe(true)
    expect(summary(routeOf(table, "or/meta-llama/llama-3-8b"))).toEqual(["or/meta-llama/llama-3-8b->meta-llama/llama-3-8b"])
  })

  test("model_map renames the model for the upstream only", () => {
    const table = routingTable(config([
      provider({ name: "p1", models: ["fast", "plain"], modelMap: { fast: "vendor-fast-2024-11-20" } })
    ]))
    const fast = routeOf(table, "fast").candidates[0]!
    expect(fast.upstreamModel).toBe("vendor-fast-2024-11-20")
    expect(fast.qualified).toBe("p1/fast")
    expect(routeOf(table, "p1/fast").candidates[0]!.upstreamModel).toBe("vendor-fast-2024-11-20")
    expect(routeOf(table, "plain").candidates[0]!.upstreamModel).toBe("plain")
    expect(table.has("vendor-fast-2024-11-20")).toBe(false)
  })

  test("a model served by two providers has both candidates, in provider order, once each", () => {
    const table = routingTable(config([
      provider({ name: "p1", models: ["gpt-4o"] }),
      provider({ name: "p2", models: ["gpt-4o", "other"], modelMap: { "gpt-4o": "gpt-4o-2024" } })
    ]))
    expect(summary(routeOf(table, "gpt-4o"))).toEqual(["p1/gpt-4o->gpt-4o", "p2/gpt-4o->gpt-4o-2024"])
    expect(summary(routeOf(table, "p1/gpt-4o"))).toEqual(["p1/gpt-4o->gpt-4o"])
    expect(summary(routeOf(table, "p2/gpt-4o"))).toEqual(["p2/gpt-4o->gpt-4o-2024"])
    expect(routeOf(table, "gpt-4o").listed).toBe(true)
  })

  test("an alias to a bare name gets all of that name's candidates and is listed", () => {
    const table = routingTable(config(
      [provider({ name: "p1", models: ["gpt-4o"] }), provider({ name: "p2", models: ["gpt-4o"] })],
      { smart: alias("gpt-4o") }
    ))
    const smart = routeOf(table, "smart")
    expect(smart.listed).toBe(true)
    expect(summary(smart)).toEqual(["p1/gpt-4o->gpt-4o", "p2/gpt-4o->gpt-4o"])
    expect(smart.candidates[0]).toBe(routeOf(table, "p1/gpt-4o").candidates[0]!)
  })

  test("an alias to provider/model gets only that provider's candidate", () => {
    const table = routingTable(config(
      [provider({ name: "p1", models: ["gpt-4o"] }), provider({ name: "p2", models: ["gpt-4o"] })],
      { pinned: alias("p2/gpt-4o") }
    ))
    expect(summary(routeOf(table, "pinned"))).toEqual(["p2/gpt-4o->gpt-4o"])
    expect(routeOf(table, "pinned").listed).toBe(true)
  })

  test("an alias with several targets keeps their order and drops duplicates", () => {
    const table = routingTable(config(
      [provider({ name: "p1", models: ["a", "b"] }), provider({ name: "p2", models: ["a"] })],
      { mix: alias("b", "a", "p1/a", "a", "p2/a") }
    ))
    expect(summary(routeOf(table, "mix"))).toEqual(["p1/b->b", "p1/a->a", "p2/a->a"])
  })

  test("an alias of an alias resolves through, whichever is declared first", () => {
    const cfgLater = config([provider({ name: "p1", models: ["m"] })], {
      outer: alias("inner"),
      inner: alias("m")
    })
    const cfgEarlier = config([provider({ name: "p1", models: ["m"] })], {
      inner: alias("m"),
      outer: alias("inner")
    })
    for (const cfg of [cfgLater, cfgEarlier]) {
      const table = routingTable(cfg)
      expect(summary(routeOf(table, "outer"))).toEqual(["p1/m->m"])
      expect(summary(routeOf(table, "inner"))).toEqual(["p1/m->m"])
      expect(routeOf(table, "outer").listed).toBe(true)
    }
  })

  test("an alias cycle terminates and keeps the real targets reachable through it", () => {
    const table = routingTable(config([provider({ name: "p1", models: ["m", "n"] })], {
      a: alias("b", "m"),
      b: alias("a", "n")
    }))
    expect(summary(routeOf(table, "a")).sort()).toEqual(["p1/m->m", "p1/n->n"])
    expect(summary(routeOf(table, "b")).sort()).toEqual(["p1/m->m", "p1/n->n"])
  })

  test("a pure alias cycle terminates without producing any candidate", () => {
    const table = routingTable(config([provider({ name: "p1", models: ["m"] })], {
      a: alias("b"),
      b: alias("a"),
      self: alias("self")
    }))
    for (const name of ["a", "b", "self"]) {
      expect(table.get(name)?.candidates ?? []).toEqual([])
    }
  })

  test("settings carry the configured base URL, else the adapter's default", () => {
    const table = routingTable(config([
      provider({ name: "official", type: "openai", baseUrl: undefined, models: ["o1"] }),
      provider({ name: "custom", type: "openai", baseUrl: "https://proxy.example/v1", models: ["o2"] }),
      provider({ name: "local", type: "ollama", baseUrl: undefined, models: ["llama3"] }),
      provider({ name: "bare", type: "openai-compatible", baseUrl: undefined, models: ["x"] }),
      provider({ name: "mocked", type: "mock", baseUrl: undefined, models: ["mock-gpt"] })
    ]))
    const settingsOf = (name: string) => routeOf(table, name).candidates[0]!.settings
    expect(settingsOf("o1").baseUrl).toBe(providers.openai.defaultBaseUrl!)
    expect(settingsOf("o1").baseUrl).toBe("https://api.openai.com/v1")
    expect(settingsOf("o2").baseUrl).toBe("https://proxy.example/v1")
    expect(settingsOf("llama3").baseUrl).toBe(providers.ollama.defaultBaseUrl!)
    expect(settingsOf("x").baseUrl).toBeUndefined()
    expect(settingsOf("mock-gpt").baseUrl).toBe(providers.mock.defaultBaseUrl!)
  })

  test("settings and adapter follow the provider's name, type and headers", () => {
    const headers = { "x-org": "acme" }
    const table = routingTable(config([provider({ name: "ds", type: "deepseek", baseUrl: undefined, models: ["chat"], headers })]))
    const candidate = routeOf(table, "chat").candidates[0]!
    expect(candidate.settings).toEqual({ name: "ds", type: "deepseek", baseUrl: "https://api.deepseek.com/v1", headers })
    expect(candidate.adapter).toBe(providers.deepseek)
    expect(candidate.provider.name).toBe("ds")
  })

  test("no providers and no aliases give an empty table", () => {
    expect(routingTable(config([])).size).toBe(0)
  })
})
