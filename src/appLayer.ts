import { Layer } from "effect"
import { AppConfig, type GatewayConfig } from "./Config.ts"
import { Database } from "./db/Database.ts"
import { Admission } from "./services/Admission.ts"
import { Budget } from "./services/Budget.ts"
import { Catalog } from "./services/Catalog.ts"
import { Gateway } from "./services/Gateway.ts"
import { KeyStore } from "./services/KeyStore.ts"
import { Sessions } from "./services/Sessions.ts"
import { Users } from "./services/Users.ts"
import { Metrics } from "./services/Metrics.ts"
import { Pricing } from "./services/Pricing.ts"
import { Prober } from "./services/Prober.ts"
import { ProviderPool } from "./services/ProviderPool.ts"
import { RateLimiter } from "./services/RateLimiter.ts"
import { type ConfigSource, Reloader } from "./services/Reloader.ts"
import { Retention } from "./services/Retention.ts"
import { Tracing } from "./services/Tracing.ts"
import { Router } from "./services/Router.ts"
import { Upstream } from "./services/Upstream.ts"
import { UsageLedger } from "./services/UsageLedger.ts"
import { UsageQuery } from "./services/UsageQuery.ts"

/** Every service of the gateway, built from one validated config; `source` is where a reload reads it again. */
export const appLayer = (config: GatewayConfig, source: ConfigSource) =>
  Layer.mergeAll(Gateway.layer, Reloader.layer(source), Retention.layer, Prober.layer).pipe(
    Layer.provideMerge(Admission.layer),
    Layer.provideMerge(Layer.mergeAll(KeyStore.layer, UsageQuery.layer, Users.layer, Sessions.layer, Router.layer, Upstream.layer, Pricing.layer, Metrics.layer, Tracing.layer, ProviderPool.layer, Budget.layer, RateLimiter.layer, Catalog.layer)),
    Layer.provideMerge(UsageLedger.layer),
    Layer.provideMerge(Database.layer),
    Layer.provideMerge(Layer.succeed(AppConfig, config))
  )

/** Every service the running gateway has: what the HTTP routes take their services from. */
export type AppServices = Layer.Success<ReturnType<typeof appLayer>>
