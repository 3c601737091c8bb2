import { Layer } from "effect"
import { AppConfig, type GatewayConfig } from "./Config.ts"
import { Database } from "./db/Database.ts"
import { Gateway } from "./services/Gateway.ts"
import { KeyStore } from "./services/KeyStore.ts"
import { Metrics } from "./services/Metrics.ts"
import { Pricing } from "./services/Pricing.ts"
import { ProviderPool } from "./services/ProviderPool.ts"
import { type ConfigSource, Reloader } from "./services/Reloader.ts"
import { Retention } from "./services/Retention.ts"
import { Tracing } from "./services/Tracing.ts"
import { Router } from "./services/Router.ts"
import { Upstream } from "./services/Upstream.ts"
import { UsageLedger } from "./services/UsageLedger.ts"

/** Every service of the gateway, built from one validated config; `source` is where a reload reads it again. */
export const appLayer = (config: GatewayConfig, source: ConfigSource) =>
  Layer.mergeAll(Gateway.layer, Reloader.layer(source), Retention.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(KeyStore.layer, Router.layer, Upstream.layer, Pricing.layer, Metrics.layer, Tracing.layer, ProviderPool.layer)),
    Layer.provideMerge(UsageLedger.layer),
    Layer.provideMerge(Database.layer),
    Layer.provideMerge(Layer.succeed(AppConfig, config))
  )
