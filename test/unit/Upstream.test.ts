import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { AppConfig } from "../../src/Config.ts"
import type { GatewayError } from "../../src/domain/GatewayError.ts"
import { settingsOf } from "../../src/domain/routingTable.ts"
import type { Reachability } from "../../src/net/tcpReachable.ts"
import { providers } from "../../src/providers/index.ts"
import { Upstream } from "../../src/services/Upstream.ts"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { testConfig, testProvider, testServer } from "./testConfig.ts"

let fake: FakeUpstream
beforeAll(async () => {
  fake = await startFakeUpstream()
})
afterAll(() => fake.stop())

/** An Upstream whose connection checks answer `outcome` (counted), with a 200 ms connect and a 2 s header timeout. */
const upstreamWith = (outcome: Reachability) => {
  const checks: Array<number> = []
  const reachable = (_host: string, port: number) => {
    checks.push(port)
    return Promise.resolve(outcome)
  }
  const config = testConfig({ server: { ...testServer, connectTimeoutMs: 200, upstreamTimeoutMs: 2000 } })
  const upstream = Effect.runSync(Effect.provide(Effect.gen(function*() { return yield* Upstream }), Upstream.layerWith(reachable).pipe(Layer.provide(Layer.succeed(AppConfig, config)))))
  return { upstream, checks }
}

/** A provider named `name` serving a model of the same name: the fake's scripts are per model, so tests never share one. */
const candidate = (name: string) => {
  const provider = testProvider({ name, models: [name], baseUrl: fake.url })
  return { provider, adapter: providers[provider.type], settings: settingsOf(provider), upstreamModel: name, qualified: `${name}/${name}` }
}

const send = (upstream: Upstream["Service"], name: string) => {
  const target = candidate(name)
  const request = target.adapter.toRequest({
    endpoint: "chat",
    body: { model: name, messages: [{ role: "user", content: "hi" }] },
    stream: false,
    target: { provider: target.settings, key: undefined, upstreamModel: name },
    clientHeaders: new Headers()
  })
  const answered: Effect.Effect<"answered" | GatewayError> = upstream.read(target, request, new AbortController().signal).pipe(
    Effect.as("answered" as const),
    Effect.catch((error) => Effect.succeed(error))
  )
  return Effect.runPromise(answered)
}

const reasonOf = (outcome: "answered" | GatewayError) => outcome === "answered" ? outcome : outcome.reason

describe("Upstream: connect timeout", () => {
  test("an upstream whose TCP connection does not open in time fails with its own timeout, before the header timeout", async () => {
    fake.script("cold", { hang: true }, 1)
    const { upstream, checks } = upstreamWith("timeout")
    const reason = reasonOf(await send(upstream, "cold"))
    expect(reason).toMatchObject({ _tag: "UpstreamTimeout", message: "Upstream 'cold' did not accept a connection within 200 ms" })
    expect(checks).toEqual([fake.port])
  })

  test("a reachable upstream that is slow to answer fails with the header timeout instead", async () => {
    fake.script("slow", { hang: true }, 1)
    const { upstream } = upstreamWith("open")
    expect(reasonOf(await send(upstream, "slow"))).toMatchObject({ _tag: "UpstreamTimeout", message: "Upstream 'slow' did not answer within 2000 ms" })
  })

  test("an upstream heard from lately is not checked again", async () => {
    const { upstream, checks } = upstreamWith("open")
    expect(await send(upstream, "warm")).toBe("answered")
    expect(await send(upstream, "warm")).toBe("answered")
    expect(checks).toHaveLength(1)
  })
})

describe("Upstream: the HTTP client", () => {
  const viaFetch = (on: boolean) => {
    const config = testConfig({ server: testServer })
    return Effect.runSync(Effect.provide(Effect.gen(function*() { return yield* Upstream }), Upstream.layerWith(() => Promise.resolve("open"), on).pipe(Layer.provide(Layer.succeed(AppConfig, config)))))
  }

  test("requests go out through the gateway's own HTTP/1.1 client, or through Bun's fetch when a proxy is configured", async () => {
    expect(await send(viaFetch(false), "direct")).toBe("answered")
    // Bun's fetch names itself; the gateway's client sends only what the adapter asked for.
    expect(fake.last()?.headers["user-agent"]).toBeUndefined()
    expect(await send(viaFetch(true), "proxied")).toBe("answered")
    expect(fake.last()?.headers["user-agent"]).toStartWith("Bun/")
  })
})
