import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type RunningGateway, startGateway } from "./harness.ts"

const tlsDir = join(import.meta.dir, "../fake/tls")
let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

beforeAll(async () => {
  fake = await startFakeUpstream({
    tls: { cert: readFileSync(join(tlsDir, "cert.pem"), "utf8"), key: readFileSync(join(tlsDir, "key.pem"), "utf8") }
  })
  gateway = await startGateway({
    config: `
providers:
  - { name: selfsigned, type: openai-compatible, base_url: "${fake.url}", tls_verify: false, models: [gpt-4o-mini] }
  - { name: strict, type: openai-compatible, base_url: "${fake.url}", models: [gpt-4o] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
`
  })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})
afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

describe("upstreams with self-signed certificates", () => {
  test("tls_verify: false reaches an HTTPS upstream whose certificate no authority signed", async () => {
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:secure" }] })
    expect(answer.choices[0]?.message.content).toBe("secure")
  })

  test("by default the certificate is verified, and an untrusted one is a 502, not a silent downgrade", async () => {
    const error = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(502)
    expect(fake.requests.filter((r) => r.body !== undefined && (r.body as { model?: string }).model === "gpt-4o")).toHaveLength(0)
  })
})
