import { Result, Schema } from "effect"
import type { ConfigProblem } from "../Config.ts"
import { Port } from "./Port.ts"
import { rereadScalar } from "./rereadScalar.ts"
import { schemaProblems } from "./schemaProblems.ts"

export interface ServerOverrides {
  readonly host?: string
  readonly port?: number
}

const decodePort = Schema.decodeUnknownResult(Port)

/** HOST and PORT from the environment, which win over the file; empty values count as unset. */
export const serverOverrides = (
  env: Readonly<Record<string, string | undefined>>
): Result.Result<ServerOverrides, ReadonlyArray<ConfigProblem>> => {
  const host = env.HOST ? { host: env.HOST } : {}
  if (!env.PORT) return Result.succeed(host)
  const port = decodePort(rereadScalar(env.PORT))
  if (Result.isSuccess(port)) return Result.succeed({ ...host, port: port.success })
  return Result.fail(schemaProblems(port.failure.issue).map(({ message }) => ({
    path: "server.port",
    message: `${message}, got ${JSON.stringify(env.PORT)}`,
    origin: "env PORT"
  })))
}
