import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import pkg from "../../package.json" with { type: "json" }
import { appLayer } from "../../src/appLayer.ts"
import { loadConfig } from "../../src/Config.ts"
import { adminRoutes } from "../../src/http/admin.ts"
import { type RunningGateway, startGateway } from "./harness.ts"

const config = `
providers:
  - { name: local, type: mock, models: [demo] }
`

interface Operation {
  readonly operationId?: string
  readonly summary?: string
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string }>
  readonly responses?: Record<string, { readonly description?: string }>
}
interface OpenApiDocument {
  readonly openapi: string
  readonly info: { readonly title: string; readonly version: string }
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { readonly schemas: Record<string, unknown> }
}

let gateway: RunningGateway
let document: OpenApiDocument
/** `GET /admin/v1/keys/:id`-style entries for every admin route the server registers. */
let adminRouteNames: ReadonlyArray<string>

/** The admin API as serve.ts composes it, built in this process from the same config, to read its routes. */
const registeredAdminRoutes = async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-openapi-"))
  const path = join(dir, "config.yaml")
  writeFileSync(path, `server: { host: 127.0.0.1, port: 0, admin_key: "sk-admin-openapi-0123" }\ndatabase: { url: "sqlite::memory:" }\n${config}`)
  const gatewayConfig = await Effect.runPromise(loadConfig({ path, env: {} }))
  const runtime = ManagedRuntime.make(appLayer(gatewayConfig, { path, env: {} }))
  try {
    const admin = adminRoutes(await runtime.context(), gatewayConfig)
    return admin.routes.filter((route) => route.path.startsWith("/admin/v1/")).map((route) => `${route.method.toUpperCase()} ${route.path}`)
  } finally {
    await runtime.dispose()
  }
}

beforeAll(async () => {
  gateway = await startGateway({ config, server: `admin_key: "sk-admin-openapi-0123"` })
  const response = await fetch(`${gateway.url}/docs/json`)
  expect(response.status).toBe(200)
  document = (await response.json()) as OpenApiDocument
  adminRouteNames = await registeredAdminRoutes()
})

afterAll(async () => {
  await gateway?.stop()
})

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })))

/** `/admin/v1/keys/{id}` → `/admin/v1/keys/:id`, as Elysia writes it. */
const elysiaPath = (path: string) => path.replace(/\{([^}]+)\}/g, ":$1")

describe("GET /docs/json", () => {
  test("is a valid OpenAPI 3 document: version, info, paths; every operation has a summary and described responses", () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/)
    expect(document.info).toMatchObject({ title: "Sluice", version: pkg.version })
    expect(operations().length).toBeGreaterThan(20)
    const operationIds = new Set<string>()
    for (const { path, method, operation } of operations()) {
      expect(["get", "put", "post", "delete", "patch", "head", "options", "trace"]).toContain(method)
      expect({ path, method, summary: typeof operation.summary }).toEqual({ path, method, summary: "string" })
      const responses = Object.entries(operation.responses ?? {})
      expect({ path, method, responses: responses.length > 0 }).toEqual({ path, method, responses: true })
      for (const [status, response] of responses) {
        expect(status).toMatch(/^([1-5]\d\d|default)$/)
        expect(typeof response.description).toBe("string")
      }
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        expect(operation.parameters?.some((parameter) => parameter.in === "path" && parameter.name === name)).toBe(true)
      }
      if (operation.operationId !== undefined) {
        expect(operationIds.has(operation.operationId)).toBe(false)
        operationIds.add(operation.operationId)
      }
    }
  })

  test("every $ref points at a schema the document defines", () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!)
    expect(refs.length).toBeGreaterThan(0)
    for (const name of new Set(refs)) expect(Object.keys(document.components.schemas)).toContain(name)
  })

  test("lists every admin route the server has, and no other admin route", () => {
    expect(adminRouteNames.length).toBeGreaterThan(15)
    const documented = operations()
      .filter(({ path }) => path.startsWith("/admin/v1/"))
      .map(({ path, method }) => `${method.toUpperCase()} ${elysiaPath(path)}`)
    expect([...documented].sort()).toEqual([...adminRouteNames].sort())
  })

  test("documents the client surfaces too", () => {
    for (const path of ["/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/messages", "/v1/models"]) {
      expect(Object.keys(document.paths)).toContain(path)
    }
  })
})

describe("GET /docs", () => {
  test("serves Swagger UI without credentials, from local assets only", async () => {
    const response = await fetch(`${gateway.url}/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toStartWith("text/html")
    const html = await response.text()
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn/i)
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    expect(urls.length).toBeGreaterThanOrEqual(2)
    for (const url of urls) expect(url).toMatch(/^\/(?!\/)/)
    expect(html).toContain(`url: "/docs/json"`)

    const types: Array<string> = []
    for (const url of urls) {
      const asset = await fetch(`${gateway.url}${url}`)
      expect({ url, status: asset.status }).toEqual({ url, status: 200 })
      const type = asset.headers.get("content-type") ?? ""
      types.push(type)
      const text = await asset.text()
      expect(text.length).toBeGreaterThan(10_000)
      if (type.startsWith("text/javascript")) expect(text).toContain("SwaggerUIBundle")
    }
    expect(types.some((type) => type.startsWith("text/javascript"))).toBe(true)
    expect(types.some((type) => type.startsWith("text/css"))).toBe(true)
  })

  test("neither the page nor the document needs credentials, while admin routes do", async () => {
    expect((await fetch(`${gateway.url}/docs/json`)).status).toBe(200)
    expect((await fetch(`${gateway.url}/admin/v1/keys`)).status).toBe(401)
  })
})
