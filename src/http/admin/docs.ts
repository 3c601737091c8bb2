import { toOpenAPISchema } from "@elysiajs/openapi"
import { Elysia } from "elysia"
import swaggerBundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" }
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" }
import { ErrorJson } from "./adminError.ts"

type Generated = ReturnType<typeof toOpenAPISchema>
type PathItem = NonNullable<Generated["paths"][string]>
type Operation = NonNullable<PathItem["get"]>
type Method = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"

const methods: ReadonlyArray<Method> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

const jsonAnswer = (description: string) => ({ description, content: { "application/json": { schema: { type: "object" as const } } } })
const jsonBody = (description: string) => ({ required: true, content: { "application/json": { schema: { type: "object" as const, description } } } })

/** The routes that read raw bodies (the client surfaces) or serve text, described here since they declare no schemas. */
const described: Readonly<Record<string, Partial<Record<Method, Partial<Operation>>>>> = {
  "/health": { get: { tags: ["ops"], summary: "Liveness and ledger counters", security: [], responses: { 200: jsonAnswer("status, version, uptime, ledger counters") } } },
  "/metrics": {
    get: {
      tags: ["ops"],
      summary: "Prometheus metrics",
      security: [],
      responses: { 200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: { type: "string" } } } } }
    }
  },
  "/v1/chat/completions": {
    post: {
      tags: ["openai"],
      summary: "Chat Completions (OpenAI's API, any provider behind it)",
      requestBody: jsonBody("OpenAI's chat completion request"),
      responses: { 200: jsonAnswer("A chat.completion, or with `stream: true` an SSE stream of chat.completion.chunk") }
    }
  },
  "/v1/completions": {
    post: { tags: ["openai"], summary: "Legacy completions", requestBody: jsonBody("OpenAI's completion request"), responses: { 200: jsonAnswer("A text_completion") } }
  },
  "/v1/embeddings": {
    post: { tags: ["openai"], summary: "Embeddings", requestBody: jsonBody("OpenAI's embeddings request"), responses: { 200: jsonAnswer("A list of embeddings") } }
  },
  "/v1/responses": {
    post: {
      tags: ["openai"],
      summary: "Responses (OpenAI's API, any provider behind it)",
      requestBody: jsonBody("OpenAI's Responses request"),
      responses: { 200: jsonAnswer("A response, or with `stream: true` an SSE stream of response events") }
    }
  },
  "/v1/models": { get: { tags: ["openai"], summary: "The models this key may use", responses: { 200: jsonAnswer("A list of models") } } },
  "/v1/messages": {
    post: {
      tags: ["anthropic"],
      summary: "Messages (Anthropic's API, any provider behind it)",
      requestBody: jsonBody("Anthropic's Messages request"),
      responses: { 200: jsonAnswer("A message, or with `stream: true` an SSE stream of Anthropic's events") }
    }
  },
  "/v1/messages/count_tokens": {
    post: { tags: ["anthropic"], summary: "Count a request's input tokens", requestBody: jsonBody("Anthropic's count_tokens request"), responses: { 200: jsonAnswer("input_tokens") } }
  }
}

const tags = [
  { name: "auth", description: "Signing in: session tokens for the admin API" },
  { name: "users", description: "Users (admins only)" },
  { name: "keys", description: "Virtual keys: members see and manage their own" },
  { name: "providers", description: "Providers: the config file's and those added through the API" },
  { name: "models", description: "Models and aliases" },
  { name: "pricing", description: "Price overrides" },
  { name: "usage", description: "Usage by key, user, model, provider or day; the request log" },
  { name: "key holders", description: "What a virtual key can read about itself" },
  { name: "config", description: "The running config: version and reload" },
  { name: "ops", description: "Health and metrics" },
  { name: "openai", description: "OpenAI's API, with a virtual key" },
  { name: "anthropic", description: "Anthropic's API, with a virtual key" }
]

/** Every operation gets a summary, its responses and the error shape, so that the document is complete. */
const complete = (paths: Generated["paths"]): Generated["paths"] =>
  Object.fromEntries(Object.entries(paths).map(([path, item]) => {
    const completed: Record<string, Operation> = {}
    for (const method of methods) {
      const operation = item?.[method]
      if (operation === undefined) continue
      const extra = described[path]?.[method] ?? {}
      completed[method] = {
        ...extra,
        ...operation,
        responses: {
          ...(Object.keys(operation.responses ?? {}).length > 0 ? operation.responses : extra.responses ?? { 200: { description: "Success" } }),
          default: { description: "An OpenAI-shaped error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }
        }
      }
    }
    return [path, completed]
  }))

const page = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Sluice API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: "/docs/json", dom_id: "#swagger-ui", persistAuthorization: true, validatorUrl: null, deepLinking: true })
  </script>
</body>
</html>`

const asset = (path: string, type: string) => () =>
  new Response(Bun.file(path), { headers: { "content-type": type, "cache-control": "public, max-age=86400" } })

const hidden = { detail: { hide: true } }

/**
 * The OpenAPI document of every route the server has (GET /docs/json) and Swagger UI to browse it (GET /docs),
 * both without credentials. Swagger UI's script and stylesheet come from the executable itself (swagger-ui-dist,
 * embedded at build time), never from a CDN: /docs works offline.
 */
export const docs = (version: string) => {
  const plugin = new Elysia()
  let document: object | undefined
  // Built on first use, when every route of the server (not only the admin API's) is registered.
  const build = () => {
    const { paths, components } = toOpenAPISchema(plugin)
    return {
      openapi: "3.1.0",
      info: {
        title: "Sluice",
        version,
        description: "An LLM gateway: OpenAI's and Anthropic's APIs in front of many providers, with virtual keys, budgets and rate limits."
      },
      tags,
      security: [{ bearer: [] }],
      paths: complete(paths),
      components: {
        schemas: { ...components.schemas, Error: ErrorJson },
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "Admin routes: the admin key or a session token from /admin/v1/auth/login. /v1 routes: a virtual key."
          }
        }
      }
    }
  }
  return plugin
    .get("/docs", () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }), hidden)
    .get("/docs/json", () => (document ??= build()), hidden)
    .get("/docs/swagger-ui-bundle.js", asset(swaggerBundle, "text/javascript; charset=utf-8"), hidden)
    .get("/docs/swagger-ui.css", asset(swaggerCss, "text/css; charset=utf-8"), hidden)
}
