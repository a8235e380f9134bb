import { useState } from "preact/hooks";

export interface LoginPageProps {
  onLogin(token: string): void;
}

/** The server answered UNAUTHENTICATED: ask for a token (kept in this tab's sessionStorage only). */
export function LoginPage({ onLogin }: LoginPageProps) {
  const [token, setToken] = useState("");
  return (
    <section class="login" data-testid="login">
      <h1>Log in</h1>
      <p>
        This server requires a token. It is sent as <code>authorization: Bearer …</code> and kept only for this tab.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim() !== "") onLogin(token.trim());
        }}
      >
        <input
          name="token"
          type="password"
          autocomplete="off"
          placeholder="API key or JWT"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit">Log in</button>
      </form>
    </section>
  );
}
