import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, type Recorded, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type LedgerRow, type RunningGateway, startGateway } from "./harness.ts"

const fakeOnlyKey = "sk-test-fake-only-0123456789"
const miniOnlyKey = "sk-test-mini-only-0123456789"

let fakeA: FakeUpstream
let fakeB: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

/**
 * `fake` (weight 3) and `beta` (weight 1) both serve gpt-4o-mini; `rotor` has two keys; `official` is the
 * `openai` preset pointed at a fake.
 */
const config = (a: string, b: string) => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${a}", keys: ["sk-a"], weight: 3, models: [gpt-4o-mini, gpt-4o], headers: { x-extra: "1" } }
  - { name: beta, type: openai-compatible, base_url: "${b}", keys: ["sk-b"], weight: 1, models: [gpt-4o-mini, renamed-model], model_map: { renamed-model: vendor-renamed-v2 } }
  - { name: rotor, type: openai-compatible, base_url: "${a}", keys: ["k1", "k2"], models: [rotor-model] }
  - { name: official, type: openai, base_url: "${b}", keys: ["sk-official"], models: [official-model] }
models:
  smart: { targets: [gpt-4o] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
  - { name: fake-only, key: "${fakeOnlyKey}", models: ["fake/*"] }
  - { name: mini-only, key: "${miniOnlyKey}", models: ["gpt-4o-mini"] }
`

let sequence = 0
const nextId = () => `routing-e2e-${++sequence}`
const withId = (id: string) => ({ headers: { "x-request-id": id } })

const rowOf = (id: string): Promise<LedgerRow> => gateway.rowFor(id)

const chat = (model: string, content = "hi", options: { client?: OpenAI; id?: string } = {}) =>
  (options.client ?? client).chat.completions.create(
    { model, messages: [{ role: "user", content }] },
    options.id === undefined ? undefined : withId(options.id)
  )

const bodyModel = (request: Recorded | undefined): unknown => {
  const body = request?.body
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).model : undefined
}

/** The rejection of a promise that must fail. */
const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the request to fail")
}

beforeAll(async () => {
  ;[fakeA, fakeB] = await Promise.all([startFakeUpstream(), startFakeUpstream()])
  gateway = await startGateway({ config: config(fakeA.url, fakeB.url) })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})
afterAll(async () => {
  await gateway?.stop()
  await fakeA?.stop()
  await fakeB?.stop()
})
beforeEach(() => {
  fakeA.reset()
  fakeB.reset()
})

describe("load balancing", () => {
  // Runs first: it needs the bare gpt-4o-mini route's round-robin state untouched by other tests.
  test("a bare model served by providers of weights 3 and 1 is split exactly 30/10 over 40 requests", async () => {
    const order: Array<"fake" | "beta"> = []
    for (let i = 0; i < 40; i++) {
      const before = fakeA.requests.length
      const answer = await chat("gpt-4o-mini")
      expect(answer.choices[0]?.message.content).toBe("Hello from fake upstream")
      order.push(fakeA.requests.length > before ? "fake" : "beta")
    }
    expect(fakeA.requests.length).toBe(30)
    expect(fakeB.requests.length).toBe(10)
    // Smooth WRR is exact on every cycle of the weights (4 picks), not only on the total.
    for (let cycle = 0; cycle < 10; cycle++) {
      expect(order.slice(cycle * 4, cycle * 4 + 4).filter((p) => p === "beta").length).toBe(1)
    }
    for (const request of [...fakeA.requests, ...fakeB.requests]) expect(bodyModel(request)).toBe("gpt-4o-mini")
  })

  test("provider/model routes only to that provider, under the bare name upstream", async () => {
    for (let i = 0; i < 4; i++) await chat("beta/gpt-4o-mini")
    expect(fakeA.requests.length).toBe(0)
    expect(fakeB.requests.length).toBe(4)
    expect(fakeB.requests.map(bodyModel)).toEqual(["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini"])

    const id = nextId()
    for (let i = 0; i < 3; i++) await chat("fake/gpt-4o-mini", "hi", i === 0 ? { id } : {})
    expect(fakeA.requests.length).toBe(3)
    expect(fakeB.requests.length).toBe(4)
    expect(await rowOf(id)).toMatchObject({ provider: "fake", upstream_model: "gpt-4o-mini", status: 200 })
  })
})

describe("model names", () => {
  test("model_map renames the model upstream; the ledger keeps the requested name and records the upstream one", async () => {
    const id = nextId()
    const answer = await chat("renamed-model", "ECHO:mapped", { id })
    expect(answer.choices[0]?.message.content).toBe("mapped")
    expect(fakeA.requests.length).toBe(0)
    expect(bodyModel(fakeB.last())).toBe("vendor-renamed-v2")
    expect(await rowOf(id)).toMatchObject({ model: "renamed-model", provider: "beta", upstream_model: "vendor-renamed-v2", status: 200 })
  })

  test("an alias routes to its target", async () => {
    const id = nextId()
    const answer = await chat("smart", "ECHO:via alias", { id })
    expect(answer.choices[0]?.message.content).toBe("via alias")
    expect(fakeB.requests.length).toBe(0)
    expect(bodyModel(fakeA.last())).toBe("gpt-4o")
    expect(await rowOf(id)).toMatchObject({ model: "smart", provider: "fake", upstream_model: "gpt-4o", status: 200 })
  })

  test("an unknown model is a 404 model_not_found and reaches no upstream", async () => {
    const error = await failure(chat("no-such-gateway-model"))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found")
    expect(fakeA.requests.length + fakeB.requests.length).toBe(0)
  })
})

describe("provider settings", () => {
  test("several API keys on one provider alternate", async () => {
    for (let i = 0; i < 4; i++) await chat("rotor-model")
    expect(fakeA.requests.map((r) => r.headers.authorization)).toEqual(["Bearer k1", "Bearer k2", "Bearer k1", "Bearer k2"])
  })

  test("provider headers reach that provider's upstream only", async () => {
    await chat("gpt-4o")
    expect(fakeA.last()?.headers["x-extra"]).toBe("1")
    expect(fakeA.last()?.headers.authorization).toBe("Bearer sk-a")
    await chat("renamed-model")
    expect(fakeB.last()?.headers["x-extra"]).toBeUndefined()
    expect(fakeB.last()?.headers.authorization).toBe("Bearer sk-b")
  })

  test("a `type: openai` provider with base_url overridden to the fake works", async () => {
    const id = nextId()
    const answer = await chat("official-model", "ECHO:preset", { id })
    expect(answer.choices[0]?.message.content).toBe("preset")
    const received = fakeB.last()
    expect(received?.path).toBe("/v1/chat/completions")
    expect(received?.headers.authorization).toBe("Bearer sk-official")
    expect(bodyModel(received)).toBe("official-model")
    expect(await rowOf(id)).toMatchObject({ provider: "official", upstream_model: "official-model", status: 200 })
  })
})

describe("virtual key model globs", () => {
  test("a key whose globs exclude the model gets 403 and no upstream call", async () => {
    const miniOnly = new OpenAI({ baseURL: gateway.baseURL, apiKey: miniOnlyKey, maxRetries: 0 })
    const id = nextId()
    const error = await failure(chat("gpt-4o", "hi", { client: miniOnly, id }))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    const denied = error as InstanceType<typeof OpenAI.PermissionDeniedError>
    expect(denied.status).toBe(403)
    expect(denied.code).toBe("model_not_allowed")
    expect(fakeA.requests.length + fakeB.requests.length).toBe(0)
    expect(await rowOf(id)).toMatchObject({ key_name: "mini-only", model: "gpt-4o", status: 403, provider: null })

    const allowed = await chat("gpt-4o-mini", "ECHO:allowed", { client: miniOnly })
    expect(allowed.choices[0]?.message.content).toBe("allowed")
  })

  test("a `fake/*` glob allows the bare names served by provider `fake`, and only through it", async () => {
    const fakeOnly = new OpenAI({ baseURL: gateway.baseURL, apiKey: fakeOnlyKey, maxRetries: 0 })
    const answer = await chat("gpt-4o", "ECHO:glob", { client: fakeOnly })
    expect(answer.choices[0]?.message.content).toBe("glob")
    expect(bodyModel(fakeA.last())).toBe("gpt-4o")

    // gpt-4o-mini is also served by beta, which this key may not use: every request goes to fake.
    for (let i = 0; i < 4; i++) await chat("gpt-4o-mini", "hi", { client: fakeOnly })
    expect(fakeB.requests.length).toBe(0)
    expect(fakeA.requests.length).toBe(5)

    const error = await failure(chat("renamed-model", "hi", { client: fakeOnly }))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(fakeB.requests.length).toBe(0)
  })
})

describe("server.model_prefix", () => {
  let prefixed: RunningGateway | undefined
  let prefixedClient: OpenAI

  beforeAll(async () => {
    prefixed = await startGateway({
      server: "model_prefix: Proxy",
      config: `
providers:
  - { name: fake, type: openai-compatible, base_url: "${fakeA.url}", keys: ["sk-a"], models: [gpt-4o] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
`
    })
    prefixedClient = new OpenAI({ baseURL: prefixed.baseURL, apiKey: devKey, maxRetries: 0 })
  })
  afterAll(async () => {
    await prefixed?.stop()
  })

  test("`Proxy/gpt-4o` goes to gpt-4o", async () => {
    const answer = await prefixedClient.chat.completions.create({ model: "Proxy/gpt-4o", messages: [{ role: "user", content: "ECHO:prefixed" }] })
    expect(answer.choices[0]?.message.content).toBe("prefixed")
    expect(bodyModel(fakeA.last())).toBe("gpt-4o")
  })

  test("another prefix is a 404 model_not_found", async () => {
    const error = await failure(
      prefixedClient.chat.completions.create({ model: "Other/gpt-4o", messages: [{ role: "user", content: "hi" }] })
    )
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found")
    expect(fakeA.requests.length).toBe(0)
  })
})
