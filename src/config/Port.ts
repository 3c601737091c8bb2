import { Schema } from "effect"

export const Port = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 }))
