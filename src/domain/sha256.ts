/** SHA-256 of a secret: what the gateway keeps and compares (in constant time) instead of the secret. */
export const sha256 = (text: string): Buffer => Bun.CryptoHasher.hash("sha256", text)
