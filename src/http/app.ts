import { Elysia, type ValidationError } from "elysia"
import { Predicate } from "effect"
import { log } from "../logging/log.ts"
import type { GenerationRoutes } from "./generationRoutes.ts"
import { errorResponse, internalError } from "./respond.ts"

type ValueError = NonNullable<ValidationError["valueError"]>

/**
 * A union's own error only says "Expected union value": when one of its variants failed deeper inside (a field
 * of a nullable object), that deeper error names the field.
 */
const deepest = (error: ValueError): ValueError => {
  let found = error
  for (const variant of error.errors) {
    const first = variant.First()
    if (first === undefined) continue
    const deeper = deepest(first)
    if (deeper.path.length > found.path.length) found = deeper
  }
  return found
}

/** `/budget/usd` → `budget.usd`, `/models/0` → `models[0]`. */
const paramOf = (path: string) =>
  path.split("/").slice(1).reduce((param, part) => /^\d+$/.test(part) ? `${param}[${part}]` : param === "" ? part : `${param}.${part}`, "")

const problemOf = (error: ValueError) => {
  if (error.value === undefined) return "is required"
  const { minLength } = error.schema
  if (Predicate.isNumber(minLength) && Predicate.isString(error.value) && error.value.length < minLength) {
    return `must be at least ${minLength} character${minLength === 1 ? "" : "s"} long`
  }
  const variants = error.schema.anyOf
  if (Array.isArray(variants)) {
    const consts = variants.filter((variant) => Predicate.isObject(variant) && "const" in variant).map((variant) => String(variant.const))
    if (consts.length === variants.length) return `must be one of: ${consts.join(", ")}`
    const types = variants.filter((variant) => Predicate.isObject(variant) && "type" in variant).map((variant) => String(variant.type))
    if (types.length === variants.length) return `must be ${types.join(" or ")}`
  }
  return `is invalid: ${error.message.replace(/^Expected/, "expected")}`
}

const badRequest = (param: string | null, message: string) =>
  errorResponse(400, { message, type: "invalid_request_error", param, code: null })

/**
 * Elysia's own failures (unknown route, bad input, framework errors) in OpenAI's error shape, never a stack trace.
 * `generation` is served by Bun's router directly, in place of the Elysia routes declared for the same paths.
 */
export const app = (generation: GenerationRoutes) =>
  new Elysia({
    // normalize off: a body field no schema knows (a typo like `expire_days`) is a 400 naming it, not silently dropped.
    normalize: false,
    serve: { routes: Object.fromEntries(Object.entries(generation).map(([path, route]) => [path, { POST: route }])) }
  }).onError(({ code, request, error }) => {
    if (code === "NOT_FOUND") {
      const path = new URL(request.url).pathname
      return errorResponse(404, {
        message: `Unknown request URL: ${request.method} ${path}`,
        type: "invalid_request_error",
        param: null,
        code: "unknown_url"
      })
    }
    if (code === "PARSE") return badRequest(null, "The request body is not valid JSON")
    // A response that does not match its own schema is the gateway's bug, not the caller's.
    if (code === "VALIDATION" && error.type !== "response") {
      const first = error.valueError === undefined ? undefined : deepest(error.valueError)
      if (first === undefined) return badRequest(null, `Invalid request ${error.type}`)
      const param = paramOf(first.path)
      return param === ""
        ? badRequest(null, `The request ${error.type} ${problemOf(first)}`)
        : badRequest(param, `'${param}' ${problemOf(first)}`)
    }
    log("error", "http layer error", { code: String(code), error: String(error) })
    return internalError()
  })
