import { Context, Effect, Layer } from "effect"
import { Database } from "../db/Database.ts"
import { BudgetExceeded, fail, type GatewayError } from "../domain/GatewayError.ts"
import { Allowance, type Hold } from "../domain/limits/Allowance.ts"
import { periodBounds } from "../domain/limits/periodBounds.ts"
import type { Period, VirtualKey } from "../domain/VirtualKey.ts"

export interface SpendStatus {
  readonly budget: {
    readonly limitUsd: number
    readonly spentUsd: number
    readonly reservedUsd: number
    readonly remainingUsd: number
    readonly period: Period
    readonly resetsAt: number | null
  } | null
  readonly tokens: {
    readonly limit: number
    readonly used: number
    readonly reserved: number
    readonly remaining: number
    readonly period: Period
    readonly resetsAt: number | null
  } | null
}

/** A request's worst case, or its real cost: USD (undefined when unknown) and tokens. */
export interface Spend {
  readonly usd: number | undefined
  readonly tokens: number
}

interface KeyAllowances {
  /** The settings they were made from: a key whose budget changed gets new ones. */
  readonly signature: string
  readonly usd: Allowance | undefined
  readonly tokens: Allowance | undefined
}

/** What an admitted request holds against its key until it settles (against the allowances it was taken from). */
export interface BudgetHold {
  readonly of: KeyAllowances
  readonly usd: Hold | undefined
  readonly tokens: Hold | undefined
}

const signatureOf = (key: VirtualKey) =>
  `${key.budget?.usd}/${key.budget?.period}/${key.tokenQuota?.tokens}/${key.tokenQuota?.period}`

/** Budgets count integer nano-dollars: sums of floats would drift past the limit. */
const toNano = (usd: number) => Math.ceil(usd * 1e9)
const fromNano = (nano: number) => nano / 1e9

const usd = (nano: number) => `$${fromNano(nano).toFixed(4)}`

/**
 * Key budgets (USD per period) and token quotas, admitted by reservation: before a request goes upstream it holds
 * its worst-case cost, and is refused when that does not fit, so no number of concurrent requests can overshoot;
 * on completion, error or abort it settles to its real cost. Everything is in memory; a key's spend in the current
 * period is read from the ledger once, the first time the key is used after a start, so it survives restarts.
 */
export class Budget extends Context.Service<Budget, {
  /** Undefined when the key has neither a budget nor a token quota. */
  readonly reserve: (key: VirtualKey, worst: Spend) => Effect.Effect<BudgetHold | undefined, GatewayError>
  readonly settle: (hold: BudgetHold, actual: Spend) => void
  readonly status: (key: VirtualKey) => SpendStatus
}>()("sluice/services/Budget") {
  static readonly layer = Layer.effect(
    Budget,
    Effect.gen(function*() {
      const db = yield* Database
      const spentSince = db.$client.prepare<{ usd: number; tokens: number }, [string, number]>(
        "SELECT COALESCE(SUM(cost_usd), 0) AS usd, COALESCE(SUM(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)), 0) AS tokens FROM requests WHERE key_id = ? AND ts >= ?"
      )
      const byKey = new Map<string, KeyAllowances>()

      const allowancesOf = (key: VirtualKey, now: number): KeyAllowances => {
        const signature = signatureOf(key)
        const known = byKey.get(key.id)
        if (known !== undefined && known.signature === signature) return known
        const spent = (period: Period) => spentSince.get(key.id, periodBounds(period, now).start) ?? { usd: 0, tokens: 0 }
        const made: KeyAllowances = {
          signature,
          usd: key.budget === undefined ? undefined : new Allowance(toNano(key.budget.usd), key.budget.period, now, toNano(spent(key.budget.period).usd)),
          tokens: key.tokenQuota === undefined
            ? undefined
            : new Allowance(key.tokenQuota.tokens, key.tokenQuota.period, now, spent(key.tokenQuota.period).tokens)
        }
        byKey.set(key.id, made)
        return made
      }

      const reserve = (key: VirtualKey, worst: Spend): Effect.Effect<BudgetHold | undefined, GatewayError> => {
        if (key.budget === undefined && key.tokenQuota === undefined) return Effect.succeed(undefined)
        const now = Date.now()
        const allowances = allowancesOf(key, now)
        const worstNano = toNano(worst.usd ?? 0)
        const usdHold = allowances.usd?.reserve(worstNano, now)
        if (allowances.usd !== undefined && usdHold === undefined) {
          const { remaining, period } = allowances.usd.status(now)
          return Effect.fail(fail(new BudgetExceeded({
            message: `Budget exceeded: this request may cost up to ${usd(worstNano)} and the key '${key.name}' has ${usd(remaining)} left of its ${period} budget of ${usd(allowances.usd.limit)}`
          })))
        }
        const tokenHold = allowances.tokens?.reserve(worst.tokens, now)
        if (allowances.tokens !== undefined && tokenHold === undefined) {
          if (usdHold !== undefined) allowances.usd?.settle(usdHold, 0, now)
          const { remaining, period } = allowances.tokens.status(now)
          return Effect.fail(fail(new BudgetExceeded({
            message: `Token quota exceeded: this request may use up to ${worst.tokens} tokens and the key '${key.name}' has ${remaining} left of its ${period} quota of ${allowances.tokens.limit}`
          })))
        }
        return Effect.succeed({ of: allowances, usd: usdHold, tokens: tokenHold })
      }

      const settle = (hold: BudgetHold, actual: Spend) => {
        const now = Date.now()
        // An unknown cost (a key allowed to use unpriced models) is flagged in the ledger, not charged.
        if (hold.usd !== undefined) hold.of.usd?.settle(hold.usd, toNano(actual.usd ?? 0), now)
        if (hold.tokens !== undefined) hold.of.tokens?.settle(hold.tokens, actual.tokens, now)
      }

      const status = (key: VirtualKey): SpendStatus => {
        const now = Date.now()
        const allowances = allowancesOf(key, now)
        const usdStatus = allowances.usd?.status(now)
        const tokenStatus = allowances.tokens?.status(now)
        return {
          budget: usdStatus === undefined
            ? null
            : {
              limitUsd: fromNano(usdStatus.limit),
              spentUsd: fromNano(usdStatus.spent),
              reservedUsd: fromNano(usdStatus.reserved),
              remainingUsd: fromNano(usdStatus.remaining),
              period: usdStatus.period,
              resetsAt: usdStatus.resetsAt
            },
          tokens: tokenStatus === undefined
            ? null
            : {
              limit: tokenStatus.limit,
              used: tokenStatus.spent,
              reserved: tokenStatus.reserved,
              remaining: tokenStatus.remaining,
              period: tokenStatus.period,
              resetsAt: tokenStatus.resetsAt
            }
        }
      }

      return Budget.of({ reserve, settle, status })
    })
  )
}
