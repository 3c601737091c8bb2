/** An id in OpenAI's style: a type prefix (`resp`, `msg`, `fc`, `rs`) and random hex. */
export const newId = (prefix: string): string => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`
