const requestIdPattern = /^[\w.:-]{1,128}$/

/** The caller's request id when it is a sane token, else a fresh one; it is echoed back and keys the ledger row. */
export const requestIdOf = (headers: Headers) => {
  const given = headers.get("x-request-id")
  return given !== null && requestIdPattern.test(given) ? given : crypto.randomUUID()
}

const bearer = /^bearer\s/i

/** The virtual key, from `Authorization: Bearer …` or `x-api-key`. */
export const secretOf = (headers: Headers) => {
  const authorization = headers.get("authorization")
  if (authorization !== null) return (bearer.test(authorization) ? authorization.slice(7) : authorization).trim()
  return headers.get("x-api-key") ?? undefined
}
