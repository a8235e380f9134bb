import { Code, ConnectError } from "@connectrpc/connect";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { InspectorApi } from "./api/create-inspector-api.js";
import type { TokenStore } from "./api/token-store.js";

export interface AppContext {
  api: InspectorApi;
  tokens: TokenStore;
  /** A PERMISSION_DENIED answer was seen: actions that write are disabled. */
  readOnly: boolean;
  /** Routes an error: UNAUTHENTICATED shows the login, PERMISSION_DENIED makes the page read-only; returns its message. */
  handleError(error: unknown): string;
}

export const appContext = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const app = useContext(appContext);
  if (app === undefined) throw new Error("useApp outside <App>");
  return app;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ConnectError) return `${Code[error.code] ?? error.code}: ${error.rawMessage}`;
  return error instanceof Error ? error.message : String(error);
}

export const isAbort = (error: unknown) =>
  (error instanceof ConnectError && error.code === Code.Canceled) || (error instanceof DOMException && error.name === "AbortError");
