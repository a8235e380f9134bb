const key = "checkpointd.token";

/**
 * The login token. Kept in sessionStorage only: it lives as long as the tab,
 * is never written to localStorage, a cookie or the URL, and is sent nowhere
 * but the `authorization` header of this page's own calls.
 */
export interface TokenStore {
  get(): string | undefined;
  set(token: string | undefined): void;
}

export function createTokenStore(storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> = sessionStorage): TokenStore {
  return {
    get: () => storage.getItem(key) || undefined,
    set(token) {
      if (token === undefined || token === "") storage.removeItem(key);
      else storage.setItem(key, token);
    },
  };
}
