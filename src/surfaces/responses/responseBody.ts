import type { Response, ResponseError, ResponseOutputItem, ResponseStatus, ResponseUsage } from "openai/resources/responses/responses"

/** A Response as sent on the wire: `output_text` is a convenience the SDKs compute from `output`. */
type ResponseBody = Omit<Response, "output_text">

interface ResponseFields {
  readonly id: string
  readonly createdAt: number
  readonly model: string
  readonly status: ResponseStatus
  readonly output: ReadonlyArray<ResponseOutputItem>
  readonly usage: ResponseUsage | undefined
  readonly incompleteDetails?: Response.IncompleteDetails | null
  readonly error?: { readonly code: string; readonly message: string }
}

/**
 * A whole Response object. The request's settings (instructions, tools, temperature…) are not known to the
 * translation back, so they take the API's neutral values, as for a request that did not set them.
 */
export const responseBody = (fields: ResponseFields): ResponseBody => ({
  id: fields.id,
  object: "response",
  created_at: fields.createdAt,
  status: fields.status,
  background: false,
  // The wire carries any code string through; the SDK's type lists OpenAI's own codes.
  error: (fields.error ?? null) as ResponseError | null,
  incomplete_details: fields.incompleteDetails ?? null,
  instructions: null,
  max_output_tokens: null,
  model: fields.model,
  output: [...fields.output],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: null,
  temperature: null,
  text: { format: { type: "text" } },
  tool_choice: "auto",
  tools: [],
  top_p: null,
  truncation: "disabled",
  metadata: {},
  access_programs: null,
  ...(fields.usage === undefined ? {} : { usage: fields.usage })
})
