import type { LoggingConfig, LogLevel } from "../Config.ts"

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }
let settings: LoggingConfig = { level: "info", accessLog: true }

/** Applied at start and on every reload: logging is process-wide, like stdout. */
export const configureLogging = (config: LoggingConfig) => {
  settings = config
}

export const logs = (level: LogLevel): boolean => rank[level] >= rank[settings.level]

/** Whether each request gets an access line (at info level). */
export const accessLogOn = (): boolean => settings.accessLog && logs("info")

/**
 * One JSON line: `level`, `time`, `msg`, then the fields. Errors and warnings go to stderr. Callers pass key
 * names, never secrets; the request path has none to pass.
 */
export const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
  if (!logs(level)) return
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })
  if (rank[level] >= rank.warn) console.error(line)
  else console.log(line)
}
