import type { SurfaceName } from "../domain/parseRequest.ts"
import { chat } from "./chat.ts"
import { messages } from "./messages.ts"
import { responses } from "./responses.ts"
import type { Surface } from "./Surface.ts"

const surfaces: Record<SurfaceName, Surface> = {
  chat,
  completions: chat,
  embeddings: chat,
  messages,
  count_tokens: messages,
  responses
}

/** The translation a request's surface needs when its upstream speaks another dialect. */
export const surfaceOf = (name: SurfaceName): Surface => surfaces[name]
