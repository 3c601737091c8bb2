import { parseArgs, type ParseArgsOptionsConfig } from "node:util"
import type { AdminClient } from "./AdminClient.ts"
import { usageError } from "./CliError.ts"

/** Options every governance command takes: where the data is, and how to print it. */
const commonOptions = {
  config: { type: "string", short: "c" },
  url: { type: "string" },
  "admin-key": { type: "string" },
  json: { type: "boolean" }
} as const satisfies ParseArgsOptionsConfig

/** Flags and positionals, strictly: an unknown flag is a usage error. */
export const parseCommand = <O extends ParseArgsOptionsConfig>(args: ReadonlyArray<string>, options: O) => {
  try {
    return parseArgs({ args: [...args], options: { ...commonOptions, ...options }, allowPositionals: true, strict: true })
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error))
  }
}

/**
 * `sluice <group> <sub> …`: parses the flags of every subcommand of the group at once, then refuses those that
 * this subcommand does not take. `rest` is the positionals after the subcommand.
 */
export const parseSubcommand = <O extends ParseArgsOptionsConfig, S extends string>(
  args: ReadonlyArray<string>,
  options: O,
  flagsOf: Readonly<Record<S, ReadonlyArray<keyof O & string>>>
) => {
  const { values, positionals } = parseCommand(args, options)
  const [group, sub, ...rest] = positionals
  const subs = Object.keys(flagsOf) as Array<S>
  const found = subs.find((name) => name === sub)
  if (found === undefined) {
    throw usageError(sub === undefined
      ? `'sluice ${group}' needs a command: ${subs.join(", ")}`
      : `Unknown command '${group} ${sub}': sluice ${group} takes ${subs.join(", ")}`)
  }
  const allowed = new Set<string>([...Object.keys(commonOptions), ...flagsOf[found]])
  const stray = Object.keys(values).find((flag) => !allowed.has(flag))
  if (stray !== undefined) throw usageError(`'sluice ${group} ${found}' does not take --${stray}`)
  return { sub: found, values, rest }
}

/** `--url` (with `--admin-key` or $SLUICE_ADMIN_KEY): a running gateway's admin API; else the database directly. */
export const openAdmin = async (values: { config?: string; url?: string; "admin-key"?: string }): Promise<AdminClient> => {
  if (values.url !== undefined) {
    const adminKey = values["admin-key"] ?? process.env.SLUICE_ADMIN_KEY
    if (adminKey === undefined || adminKey === "") throw usageError("--url needs an admin key: --admin-key or $SLUICE_ADMIN_KEY")
    return (await import("./httpAdmin.ts")).httpAdmin(values.url, adminKey)
  }
  return (await import("./directAdmin.ts")).directAdmin(values.config)
}

/** Runs `use` with an admin client and closes it however `use` ends. */
export const withAdmin = async <A>(values: Parameters<typeof openAdmin>[0], use: (admin: AdminClient) => Promise<A>): Promise<A> => {
  const admin = await openAdmin(values)
  try {
    return await use(admin)
  } finally {
    await admin.close()
  }
}

export const required = (value: string | undefined, flag: string): string => {
  if (value === undefined || value.trim() === "") throw usageError(`--${flag} is required`)
  return value
}

/** A number flag: absent stays undefined; `integer` refuses fractions; never negative. */
export const numberFlag = (value: string | undefined, flag: string, kind: "integer" | "number" = "integer"): number | undefined => {
  if (value === undefined) return undefined
  const number = Number(value)
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || (kind === "integer" && !Number.isInteger(number))) {
    throw usageError(`--${flag} must be a ${kind === "integer" ? "whole number" : "number"} ≥ 0, not '${value}'`)
  }
  return number
}

export const oneOf = <const A extends string>(value: string | undefined, flag: string, allowed: ReadonlyArray<A>): A | undefined => {
  if (value === undefined) return undefined
  const found = allowed.find((candidate) => candidate === value)
  if (found === undefined) throw usageError(`--${flag} must be one of ${allowed.join(", ")}, not '${value}'`)
  return found
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2))
