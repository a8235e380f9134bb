/** A bearer token, or a function asked for it before every call and every retry (to refresh it). */
export type TokenProvider = string | (() => string | Promise<string>);

/**
 * The `authorization` header value for a token: `Bearer <token>`. A token is one run of visible
 * ASCII (RFC 6750's token68 and what JWTs and API keys are made of); anything else (empty, a
 * space, a line break, a token already prefixed with "Bearer ") is refused here rather than sent.
 */
export function bearerAuthorization(token: string): string {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(
      token.startsWith("Bearer ")
        ? 'checkpointd client: pass the token without "Bearer " (the client adds it)'
        : "checkpointd client: the token must be non-empty visible ASCII, without spaces or line breaks",
    );
  }
  return `Bearer ${token}`;
}

/** The authorization header value of the provider's current token. */
export async function authorizationOf(provider: TokenProvider): Promise<string> {
  return bearerAuthorization(typeof provider === "string" ? provider : await provider());
}
