const generatedPattern = /"(?:content|text|arguments|reasoning_content|refusal)"\s*:\s*"((?:[^"\\]|\\.)*)"/g

/** Characters of generated text in an OpenAI-dialect body or chunk, without parsing it. */
export const generatedChars = (json: string): number => {
  let total = 0
  for (const match of json.matchAll(generatedPattern)) total += match[1]!.length
  return total
}
