import { isScalar, parseDocument } from "yaml"

/**
 * Reads text as a YAML scalar, keeping only numbers and booleans whose text round-trips exactly:
 * "8080" becomes 8080 and "true" true, while "0123" or "1e3" stay strings so no secret loses its spelling.
 */
export const rereadScalar = (text: string): string | number | boolean => {
  const doc = parseDocument(text)
  if (doc.errors.length > 0 || !isScalar(doc.contents)) return text
  const value: unknown = doc.contents.value
  return (typeof value === "number" || typeof value === "boolean") && String(value) === text ? value : text
}
