import type { Period } from "../domain/VirtualKey.ts"
import type { AdminClient, IssuedKeyJson, KeyJson, LimitsJson, NewKeyInput } from "./AdminClient.ts"
import { CliError, usageError } from "./CliError.ts"
import { numberFlag, oneOf, parseSubcommand, printJson, required, withAdmin } from "./commandLine.ts"
import { budgetText, flatten, limitsText, shortTime, spendText } from "./display.ts"
import { fields, table } from "./table.ts"

const options = {
  name: { type: "string" },
  owner: { type: "string" },
  "expires-days": { type: "string" },
  "no-expiry": { type: "boolean" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  rps: { type: "string" },
  burst: { type: "string" },
  concurrency: { type: "string" },
  budget: { type: "string" },
  period: { type: "string" },
  tokens: { type: "string" },
  models: { type: "string" },
  "allow-unpriced": { type: "boolean" }
} as const

const periods: ReadonlyArray<Period> = ["daily", "weekly", "monthly", "total"]

type Values = ReturnType<typeof parseSubcommand<typeof options, string>>["values"]

/** Owner ids to emails, for tables; an owner not found shows as its id. */
type Owners = ReadonlyMap<string, string>

const ownerText = (key: KeyJson, owners: Owners) => key.owner_id === null ? "-" : owners.get(key.owner_id) ?? key.owner_id

const ownersOf = async (admin: AdminClient): Promise<Owners> => new Map((await admin.listUsers()).map((user) => [user.id, user.email]))

export const keyFields = (key: KeyJson, owners: Owners = new Map()) => {
  const spend = spendText(key)
  return fields([
    ["id", key.id],
    ["name", key.name],
    ["source", key.source],
    ["owner", ownerText(key, owners)],
    ["prefix", key.prefix === null ? "-" : `${key.prefix}…`],
    ["status", key.status],
    ["created", shortTime(key.created_at)],
    ["expires", shortTime(key.expires_at, "never")],
    ["models", key.models.join(",")],
    ["budget", budgetText(key)],
    ...(spend === undefined ? [] : [["spent", spend] as const]),
    ["limits", limitsText(key)],
    ["allow unpriced", key.allow_unpriced ? "yes" : "no"]
  ])
}

const keysTable = ({ keys, owners }: { readonly keys: ReadonlyArray<KeyJson>; readonly owners: Owners }) =>
  table(
    ["ID", "NAME", "OWNER", "PREFIX", "STATUS", "EXPIRES", "MODELS", "BUDGET", "LIMITS"],
    keys.map((key) => [
      key.id,
      key.name,
      ownerText(key, owners),
      key.prefix ?? "-",
      key.status,
      shortTime(key.expires_at, "never"),
      key.models.join(","),
      budgetText(key),
      limitsText(key)
    ])
  )

export const secretWarning = "Store this secret now: it is not shown again."

/** The secret, once, with the warning on stderr so that `--json` output stays parseable. */
export const printIssued = (issued: IssuedKeyJson, json: boolean | undefined, owners: Owners = new Map()) => {
  if (json) printJson(issued)
  else console.log(`${keyFields(issued, owners)}\n\nsecret  ${issued.key}`)
  console.error(secretWarning)
}

/** The body of a new key from the flags (everything checked before anything is opened). */
const newKeyInput = (values: Values): Omit<NewKeyInput, "owner_id"> => {
  const name = required(values.name, "name")
  if (values["no-expiry"] && values["expires-days"] !== undefined) throw usageError("--expires-days and --no-expiry exclude each other")
  const expiresDays = values["no-expiry"] ? null : numberFlag(values["expires-days"], "expires-days")
  if (expiresDays === 0) throw usageError("--expires-days must be at least 1 (or --no-expiry)")
  const period = oneOf(values.period, "period", periods)
  const usd = numberFlag(values.budget, "budget", "number")
  const tokens = numberFlag(values.tokens, "tokens")
  if (period !== undefined && usd === undefined && tokens === undefined) throw usageError("--period applies to --budget or --tokens: give one")
  const limits: LimitsJson = Object.fromEntries(
    ([
      ["rpm", numberFlag(values.rpm, "rpm")],
      ["tpm", numberFlag(values.tpm, "tpm")],
      ["rps", numberFlag(values.rps, "rps", "number")],
      ["burst", numberFlag(values.burst, "burst")],
      ["concurrency", numberFlag(values.concurrency, "concurrency")]
    ] as const).filter(([, value]) => value !== undefined)
  )
  const models = values.models?.split(",").map((model) => model.trim()).filter((model) => model !== "")
  if (models !== undefined && models.length === 0) throw usageError("--models needs at least one model name or glob")
  return {
    name,
    ...(expiresDays === undefined ? {} : { expires_days: expiresDays }),
    ...(models === undefined ? {} : { models }),
    ...(usd === undefined ? {} : { budget: { usd, period: period ?? "monthly" } }),
    ...(tokens === undefined ? {} : { token_quota: { tokens, period: period ?? "monthly" } }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(values["allow-unpriced"] ? { allow_unpriced: true } : {})
  }
}

const onlyId = (rest: ReadonlyArray<string>, sub: string): string => {
  const [id, extra] = rest
  if (id === undefined || extra !== undefined) throw usageError(`sluice keys ${sub} takes one key id`)
  return id
}

/** `GET <url>/v1/key/info` with the key itself: what its holder sees. */
const testKey = async (secret: string, url: string | undefined, json: boolean | undefined) => {
  const root = (url ?? `http://127.0.0.1:${process.env.PORT || 8080}`).replace(/\/+$/, "")
  const response = await fetch(`${root}/v1/key/info`, {
    headers: { authorization: `Bearer ${secret}` },
    signal: AbortSignal.timeout(30_000)
  }).catch((cause: unknown) => {
    throw new CliError(`Cannot reach ${root}: ${cause instanceof Error ? cause.message : String(cause)}`)
  })
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const error = (body as { error?: { message?: unknown } } | undefined)?.error?.message
    throw new CliError(`The key was refused (${response.status}): ${typeof error === "string" ? error : response.statusText}`)
  }
  if (json) return printJson(body)
  console.log(fields(flatten(body)))
}

/** `sluice keys create|list|show|revoke|rotate|test` */
export const keys = async (args: ReadonlyArray<string>) => {
  const { sub, values, rest } = parseSubcommand(args, options, {
    create: [
      "name",
      "owner",
      "expires-days",
      "no-expiry",
      "rpm",
      "tpm",
      "rps",
      "burst",
      "concurrency",
      "budget",
      "period",
      "tokens",
      "models",
      "allow-unpriced"
    ],
    list: ["owner"],
    show: [],
    revoke: [],
    rotate: [],
    test: []
  })
  switch (sub) {
    case "create": {
      if (rest.length > 0) throw usageError(`Unexpected argument '${rest[0]}': sluice keys create takes flags only`)
      const input = newKeyInput(values)
      const { issued, owners } = await withAdmin(values, async (admin) => {
        const owner = values.owner === undefined ? undefined : await admin.findUser(values.owner)
        return {
          issued: await admin.createKey({ ...input, owner_id: owner?.id ?? null }),
          owners: new Map(owner === undefined ? [] : [[owner.id, owner.email]])
        }
      })
      return printIssued(issued, values.json, owners)
    }
    case "list": {
      const { keys, owners } = await withAdmin(values, async (admin) => ({
        keys: await admin.listKeys(values.owner === undefined ? undefined : (await admin.findUser(values.owner)).id),
        owners: values.json ? new Map<string, string>() : await ownersOf(admin)
      }))
      return values.json ? printJson({ data: keys }) : console.log(keysTable({ keys, owners }))
    }
    case "show": {
      const id = onlyId(rest, sub)
      const { key, owners } = await withAdmin(values, async (admin) => ({
        key: await admin.getKey(id),
        owners: values.json ? new Map<string, string>() : await ownersOf(admin)
      }))
      return values.json ? printJson(key) : console.log(keyFields(key, owners))
    }
    case "revoke": {
      const id = onlyId(rest, sub)
      const key = await withAdmin(values, (admin) => admin.revokeKey(id))
      if (values.json) printJson(key)
      else console.log(`Revoked key '${key.name}' (${key.id})`)
      return
    }
    case "rotate": {
      const id = onlyId(rest, sub)
      return printIssued(await withAdmin(values, (admin) => admin.rotateKey(id)), values.json)
    }
    case "test": {
      const [secret, extra] = rest
      if (secret === undefined || extra !== undefined) throw usageError("sluice keys test takes the key's secret")
      return testKey(secret, values.url, values.json)
    }
  }
}
