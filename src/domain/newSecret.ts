/** A random secret: `prefix` and 32 base64url characters (192 bits). */
export const newSecret = (prefix: string): string =>
  prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")
