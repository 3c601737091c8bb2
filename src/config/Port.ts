import { Schema } from "effect"

/** 0 asks the system for a free port (the gateway logs the one it got). */
export const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
