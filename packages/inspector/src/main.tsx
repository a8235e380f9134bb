import { render } from "preact";
import { createInspectorApi } from "./api/create-inspector-api.js";
import { createTokenStore } from "./api/token-store.js";
import { App } from "./app.js";
import "./styles.css";

const tokens = createTokenStore();
const api = createInspectorApi({ baseUrl: location.origin, tokens });
render(<App api={api} tokens={tokens} />, document.getElementById("app")!);
