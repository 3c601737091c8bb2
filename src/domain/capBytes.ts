const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** `text` cut to at most `max` UTF-8 bytes, with a marker saying how much was left out. */
export const capBytes = (text: string, max: number): string => {
  if (text.length * 3 <= max) return text
  const bytes = encoder.encode(text)
  if (bytes.length <= max) return text
  // A character cut in half decodes as U+FFFD: dropped, so the kept text is valid.
  const kept = decoder.decode(bytes.subarray(0, max)).replace(/\uFFFD$/, "")
  return `${kept}…[truncated ${bytes.length - max} bytes]`
}
