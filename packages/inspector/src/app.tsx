import { Code, ConnectError } from "@connectrpc/connect";
import { useCallback, useMemo, useState } from "preact/hooks";
import type { InspectorApi } from "./api/create-inspector-api.js";
import type { TokenStore } from "./api/token-store.js";
import { appContext, errorMessage, type AppContext } from "./app-context.js";
import { CheckpointPage } from "./pages/checkpoint-page.js";
import { DiffPage } from "./pages/diff-page.js";
import { LoginPage } from "./pages/login-page.js";
import { ThreadPage } from "./pages/thread-page.js";
import { ThreadsPage } from "./pages/threads-page.js";
import { href, useRoute } from "./route/use-route.js";

export interface AppProps {
  api: InspectorApi;
  tokens: TokenStore;
}

export function App({ api, tokens }: AppProps) {
  const route = useRoute();
  const [needsLogin, setNeedsLogin] = useState(false);
  const [readOnly, setReadOnly] = useState(false);
  // Each login remounts the pages, so that they call again with the new token.
  const [session, setSession] = useState(0);
  const handleError = useCallback((error: unknown) => {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) setNeedsLogin(true);
    if (error instanceof ConnectError && error.code === Code.PermissionDenied) setReadOnly(true);
    return errorMessage(error);
  }, []);
  const app = useMemo<AppContext>(() => ({ api, tokens, readOnly, handleError }), [api, tokens, readOnly, handleError]);
  const login = (token: string) => {
    tokens.set(token);
    setReadOnly(false);
    setNeedsLogin(false);
    setSession((n) => n + 1);
  };
  const logout = () => {
    tokens.set(undefined);
    setSession((n) => n + 1);
  };

  return (
    <appContext.Provider value={app}>
      <header class="top">
        <a class="brand" href={href({ page: "threads", filter: "", prefix: "" })}>
          checkpointd inspector
        </a>
        <span class="spacer" />
        {readOnly && (
          <span class="badge" data-testid="read-only">
            read-only
          </span>
        )}
        {tokens.get() !== undefined && (
          <button type="button" class="link" onClick={logout}>
            log out
          </button>
        )}
      </header>
      <main key={session}>
        {needsLogin ? (
          <LoginPage onLogin={login} />
        ) : route.page === "thread" ? (
          <ThreadPage thread={route.thread} />
        ) : route.page === "checkpoint" ? (
          <CheckpointPage thread={route.thread} ns={route.ns} id={route.id} />
        ) : route.page === "diff" ? (
          <DiffPage thread={route.thread} ns={route.ns} a={route.a} b={route.b} />
        ) : (
          <ThreadsPage filter={route.filter} prefix={route.prefix} />
        )}
      </main>
    </appContext.Provider>
  );
}
