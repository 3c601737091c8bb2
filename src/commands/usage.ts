import { timeOf } from "../domain/timeOf.ts"
import type { GroupBy } from "../services/UsageQuery.ts"
import type { UsageRowJson } from "./AdminClient.ts"
import { usageError } from "./CliError.ts"
import { oneOf, parseCommand, printJson, withAdmin } from "./commandLine.ts"
import { table } from "./table.ts"

const options = {
  key: { type: "string" },
  user: { type: "string" },
  since: { type: "string" },
  by: { type: "string" }
} as const

const groupings: ReadonlyArray<GroupBy> = ["day", "model", "key", "user", "provider"]
const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** `7d`, `24h`, `30m`, `2w` before now, or an ISO date / date-time; epoch ms. */
const sinceOf = (text: string, now: number): number => {
  const relative = /^(\d+)([mhdw])$/.exec(text)
  if (relative !== null) return now - Number(relative[1]) * unitMs[relative[2] as keyof typeof unitMs]
  const absolute = timeOf(text)
  if (absolute === undefined) throw usageError(`--since must be an ISO date (2025-01-31) or a duration like 7d, 24h, 30m; not '${text}'`)
  return absolute
}

const groupText = (row: UsageRowJson) =>
  row.key_name === undefined || row.key_name === null ? row.group ?? "-" : `${row.key_name} (${row.group ?? "-"})`

const cost = (usd: number | null) => usd === null ? "-" : `$${usd.toFixed(6)}`

const usageTable = (groupBy: GroupBy) => (rows: ReadonlyArray<UsageRowJson>) => {
  const sum = (pick: (row: UsageRowJson) => number) => rows.reduce((total, row) => total + pick(row), 0)
  const priced = rows.filter((row) => row.cost_usd !== null)
  const line = (group: string, row: Omit<UsageRowJson, "group">) => [
    group,
    String(row.requests),
    String(row.prompt_tokens),
    String(row.completion_tokens),
    String(row.cached_tokens),
    cost(row.cost_usd),
    String(row.unpriced_requests),
    String(row.errors)
  ]
  const total = line("total", {
    requests: sum((r) => r.requests),
    prompt_tokens: sum((r) => r.prompt_tokens),
    completion_tokens: sum((r) => r.completion_tokens),
    cached_tokens: sum((r) => r.cached_tokens),
    cost_usd: priced.length === 0 ? null : sum((r) => r.cost_usd ?? 0),
    unpriced_requests: sum((r) => r.unpriced_requests),
    errors: sum((r) => r.errors)
  })
  return rows.length === 0
    ? "No requests in this range."
    : table(
      [groupBy.toUpperCase(), "REQUESTS", "PROMPT", "COMPLETION", "CACHED", "COST", "UNPRICED", "ERRORS"],
      [...rows.map((row) => line(groupText(row), row)), ...(rows.length > 1 ? [total] : [])]
    )
}

/** `sluice usage [--key <id>] [--user <email|id>] [--since 7d] [--by day|model|key|user|provider]` */
export const usage = async (args: ReadonlyArray<string>) => {
  const { values, positionals } = parseCommand(args, options)
  if (positionals.length > 1) throw usageError(`Unexpected argument '${positionals[1]}': sluice usage takes flags only`)
  const groupBy = oneOf(values.by, "by", groupings) ?? "day"
  const since = values.since === undefined ? undefined : sinceOf(values.since, Date.now())
  const rows = await withAdmin(values, async (admin) =>
    admin.usage({
      groupBy,
      since,
      keyId: values.key,
      userId: values.user === undefined ? undefined : (await admin.findUser(values.user)).id
    }))
  if (values.json) return printJson({ data: rows })
  console.log(usageTable(groupBy)(rows))
}
