import { Context, Effect, Layer } from "effect"
import { fail, Forbidden, type GatewayError } from "../domain/GatewayError.ts"
import { worstCase } from "../domain/limits/worstCase.ts"
import type { Candidate } from "../domain/routingTable.ts"
import type { VirtualKey } from "../domain/VirtualKey.ts"
import { Budget, type BudgetHold, type Spend } from "./Budget.ts"
import { Metrics } from "./Metrics.ts"
import { Pricing } from "./Pricing.ts"
import { type KeyTicket, RateLimiter } from "./RateLimiter.ts"
import { type Resolved, Router } from "./Router.ts"

/** A request as admission sees it. */
export interface Applicant {
  readonly key: VirtualKey
  /** The raw body: its byte count bounds its prompt tokens for a budget. */
  readonly text: string
  /** Its prompt estimate plus max_tokens: what its key's TPM counts. */
  readonly tokens: number
  /** Its own output limit (max_tokens and the like), 0 when unset. */
  readonly maxTokens: number
  /** Embeddings generate nothing; token counting is free and never budgeted. */
  readonly kind: "generation" | "embeddings" | "count_tokens"
}

/** What an admitted request holds until it settles. */
export interface Admitted {
  /** Its targets, without unpriced ones for a key with a budget. */
  readonly resolved: Resolved
  readonly ticket: KeyTicket
  readonly hold: BudgetHold | undefined
}

/**
 * A key's own rate limits, then its budget and token quota: a request is admitted with its worst case reserved
 * (over every target it may reach, fallbacks included), or refused before anything goes upstream; when it settles,
 * it gives back what it held and is charged what it used.
 */
export class Admission extends Context.Service<Admission, {
  readonly admit: (applicant: Applicant, resolved: Resolved) => Effect.Effect<Admitted, GatewayError>
  /** A fallback model's targets as a key may use them (a key with a budget only reaches priced targets). */
  readonly pricedFor: (key: VirtualKey, resolved: Resolved) => Resolved
  readonly settle: (admitted: Pick<Admitted, "ticket" | "hold">, used: Spend) => void
}>()("sluice/services/Admission") {
  static readonly layer = Layer.effect(
    Admission,
    Effect.gen(function*() {
      const rateLimiter = yield* RateLimiter
      const budget = yield* Budget
      const pricing = yield* Pricing
      const router = yield* Router
      const metrics = yield* Metrics

      const priceOf = (model: string, candidate: Candidate) => pricing.priceOf([candidate.upstreamModel, model, candidate.qualified])

      // A key allowed unpriced models reaches them too: their cost is unknown, and flagged in the ledger.
      const pricedFor = (key: VirtualKey, resolved: Resolved): Resolved => {
        if (key.budget === undefined || key.allowUnpriced) return resolved
        const candidates = resolved.candidates.filter((candidate) => priceOf(resolved.model, candidate) !== undefined)
        return candidates.length === resolved.candidates.length ? resolved : { ...resolved, candidates }
      }

      const reserve = (applicant: Applicant, resolved: Resolved): Effect.Effect<Omit<Admitted, "ticket">, GatewayError> => {
        const { key } = applicant
        const priced = pricedFor(key, resolved)
        if (priced.candidates.length === 0) {
          return Effect.fail(fail(new Forbidden({
            message: `The model '${resolved.model}' has no price, and the key '${key.name}' has a budget: add a price for it (pricing) or allow the key unpriced models`,
            code: "model_unpriced"
          })))
        }
        return Effect.forEach(priced.fallbacks, (name) => Effect.orElseSucceed(router.resolve(name, key), () => undefined)).pipe(
          Effect.flatMap((fallbacks) => {
            const prices = [priced, ...fallbacks.filter((f) => f !== undefined).map((f) => pricedFor(key, f))]
              .flatMap((r) => r.candidates.map((candidate) => priceOf(r.model, candidate)))
            const worst = worstCase(prices, {
              promptTokens: Buffer.byteLength(applicant.text),
              maxTokens: applicant.maxTokens,
              generates: applicant.kind === "generation"
            })
            return budget.reserve(key, worst).pipe(Effect.tapError(() => Effect.sync(() => metrics.keyRefused("budget"))))
          }),
          Effect.map((hold) => ({ resolved: priced, hold }))
        )
      }

      const admit = (applicant: Applicant, resolved: Resolved): Effect.Effect<Admitted, GatewayError> =>
        rateLimiter.admit(applicant.key, applicant.tokens).pipe(
          Effect.tapError(() => Effect.sync(() => metrics.keyRefused("rate_limit"))),
          Effect.flatMap((ticket) => {
            const { key } = applicant
            if ((key.budget === undefined && key.tokenQuota === undefined) || applicant.kind === "count_tokens") {
              return Effect.succeed({ resolved, ticket, hold: undefined })
            }
            return reserve(applicant, resolved).pipe(
              Effect.map((reserved) => ({ ...reserved, ticket })),
              // Refused by the budget: the rate-limit admission is given back.
              Effect.tapError(() => Effect.sync(() => ticket.settle(0)))
            )
          })
        )

      return Admission.of({
        admit,
        pricedFor,
        settle: ({ ticket, hold }, used) => {
          ticket.settle(used.tokens)
          if (hold !== undefined) budget.settle(hold, used)
        }
      })
    })
  )
}
