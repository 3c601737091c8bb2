import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { basicConfig, devKey, type RunningGateway, startGateway } from "./harness.ts"

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

beforeAll(async () => {
  fake = await startFakeUpstream()
  gateway = await startGateway({ config: basicConfig(fake.url) })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})
afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

describe("chat completions through the openai SDK", () => {
  test("non-stream: the upstream's answer comes back unchanged and is recorded", async () => {
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:ping" }] })
    expect(answer.choices[0]?.message.content).toBe("ping")
    const [row] = await gateway.waitForRows(1)
    expect(row).toMatchObject({ key_name: "dev", model: "gpt-4o-mini", provider: "fake", status: 200, usage_source: "reported" })
    expect(row!.prompt_tokens).toBe(answer.usage!.prompt_tokens)
  })
})
