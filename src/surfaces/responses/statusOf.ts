import type { Response } from "openai/resources/responses/responses"
import type { ChatResponse } from "../../domain/Chat.ts"

type FinishReason = ChatResponse["choices"][number]["finish_reason"]

interface Outcome {
  readonly status: "completed" | "incomplete"
  readonly incomplete_details: Response.IncompleteDetails | null
}

/** A chat finish reason as a response status: cut short by the token limit or a content filter is incomplete. */
export const statusOf = (finishReason: FinishReason | null | undefined): Outcome => {
  switch (finishReason) {
    case "length":
      return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }
    case "content_filter":
      return { status: "incomplete", incomplete_details: { reason: "content_filter" } }
    default:
      return { status: "completed", incomplete_details: null }
  }
}
