import { Effect } from "effect"
import { fail, PayloadTooLarge } from "../domain/GatewayError.ts"
import type { SurfaceName } from "../domain/parseRequest.ts"
import { log } from "../logging/log.ts"
import type { Gateway } from "../services/Gateway.ts"
import { surfaceOf } from "../surfaces/surfaceOf.ts"
import type { CorsPolicy } from "./corsPolicy.ts"
import { readBody } from "./readBody.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { errorFor, internalError, respond } from "./respond.ts"

/** A handler as Bun's router calls it. */
export type RawRoute = (request: Request) => Promise<Response>

/**
 * One generation route: the body is read raw (never parsed twice) and handed to the Gateway, whose errors are
 * answered in the surface's own error shape. The Gateway's effects need no services (their layer captured
 * them), so they run on the default runtime. A client that disconnects aborts the upstream call through
 * `request.signal`, which settles the request as 499. Bun's router calls it directly (see `app`), so it
 * catches its own failures and applies the CORS policy itself.
 */
export const generateRoute = (gateway: Gateway["Service"], maxBodyBytes: number, surface: SurfaceName, cors: CorsPolicy | undefined): RawRoute => {
  const { errorBody } = surfaceOf(surface)
  // A generation may be silent for minutes before its first byte: Bun's idle timeout spares a connection whose
  // request is pending (see bunIdleTimeout.test.ts), and upstream timeouts govern it.
  return async (request) => {
    let response: Response
    try {
      const requestId = requestIdOf(request.headers)
      const text = await readBody(request, maxBodyBytes)
      if (text === undefined) response = errorFor(fail(new PayloadTooLarge({ limit: maxBodyBytes })), requestId, errorBody)
      else {
        const exit = await Effect.runPromiseExit(gateway.handle({
          surface,
          text,
          secret: secretOf(request.headers),
          headers: request.headers,
          signal: request.signal,
          requestId
        }))
        response = respond(exit, requestId, (answer) => answer, errorBody)
      }
    } catch (error) {
      log("error", "generation route failed", { surface, error: String(error) })
      response = internalError()
    }
    cors?.decorate(request, response)
    return response
  }
}
