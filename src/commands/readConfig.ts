import { Effect } from "effect"
import { formatProblems, loadConfig } from "../Config.ts"

/** The validated config, or every problem on stderr and exit 1. */
export const readConfig = (path: string | undefined) =>
  Effect.runPromise(
    loadConfig({ path, env: process.env }).pipe(
      Effect.catchTag("ConfigError", (error) =>
        Effect.sync(() => {
          console.error(`Invalid configuration:\n${formatProblems(error.problems)}`)
          return process.exit(1)
        }))
    )
  )
