/** SHA-256 of a secret: what the gateway keeps and compares (in constant time) instead of the secret. */
export const sha256 = (text: string): Buffer => new Bun.CryptoHasher("sha256").update(text).digest()
