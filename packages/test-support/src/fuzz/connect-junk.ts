import { envelope, httpCall } from "./connect-http.js";
import { SERVICE } from "./fuzz-limits.js";
import { frame } from "./h2-call.js";
import { type Method } from "./methods.js";
import { type Probe } from "./outcome.js";
import { junkPayload } from "./proto-payloads.js";
import { Rng } from "./rng.js";
import { type Targets } from "./rpc-calls.js";

export function deepJson(depth: number, list: boolean): string {
  return list ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

export function connectJunk(r: Rng, method: Method, t: Targets): Probe {
  const kind = "Connect port junk";
  const url = `${t.httpBase}/${SERVICE}/${method.name}`;
  const streaming = method.local === "list";
  const notJson = () =>
    r.pick<() => string | Buffer>([
      () => r.bytes(r.int(0, 200)),
      () => '{"config":',
      () => "{'config': {}}",
      () => "NaN",
      () => "",
      () => '{"config":{"threadId":"a"}}}',
      () => "\ufeff{}",
      () => '{"a":1,}',
      () => "[".repeat(10_000),
    ])();
  const wrongShape = () =>
    r.pick<() => string>([
      () => "[]",
      () => "null",
      () => "1",
      () => '"x"',
      () => '{"config":"x"}',
      () => '{"config":{"threadId":5}}',
      () => '{"config":{"threadId":"a\\u0000b"}}',
      () => '{"config":{"threadId":"\\ud800"}}',
      () => '{"config":{"threadId":"t1"},"limit":"abc"}',
      () => '{"limit":-1}',
      () => '{"limit":1e20}',
      () => '{"strategy":"PRUNE_STRATEGY_BOGUS","threadIds":["t1"]}',
      () => '{"strategy":99,"threadIds":["t1"]}',
      () => '{"threadId":["a"]}',
      () => '{"runIds":"x"}',
      () => '{"runIds":[null]}',
      () => '{"unknownField":1}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c","channelVersions":{"a":{}}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"newVersions":{"a":{"intValue":"1e400"}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"newVersions":{"a":{"intValue":"1","stringValue":"x"}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c","channelValues":{"a":{"data":"!!!not base64"}}}}',
      () => '{"config":{"threadId":"t"},"metadata":[1,2]}',
      () =>
        `{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"metadata":{"m":${deepJson(r.pick([50, 120, 1_000, 5_000, 50_000]), r.chance(0.3))}}}`,
      () => `{"filter":{"m":${deepJson(r.pick([50, 120, 1_000, 5_000, 50_000]), r.chance(0.3))}}}`,
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"metadata":{"a":"\\u0000"}}',
      () =>
        JSON.stringify({
          config: { threadId: "t" },
          checkpoint: { id: "c" },
          newVersions: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, {}])),
        }),
    ])();
  const sub = r.int(0, 9);
  let what: string;
  let init: { method: string; headers: Record<string, string>; body?: Buffer | string };
  let target = url;
  if (sub <= 3) {
    const body = sub <= 1 ? notJson() : wrongShape();
    what = `${method.name} Connect JSON ${sub <= 1 ? "not JSON" : "wrong shape"}`;
    init = streaming
      ? {
          method: "POST",
          headers: { "content-type": "application/connect+json" },
          body: r.chance(0.5) ? envelope(0, Buffer.from(body)) : body,
        }
      : { method: "POST", headers: { "content-type": "application/json" }, body };
  } else if (sub === 4) {
    what = `${method.name} Connect proto, random body`;
    init = streaming
      ? {
          method: "POST",
          headers: { "content-type": "application/connect+proto" },
          body: envelope(r.chance(0.2) ? 1 : 0, junkPayload(r, method)),
        }
      : { method: "POST", headers: { "content-type": "application/proto" }, body: junkPayload(r, method) };
  } else if (sub === 5) {
    const contentType = r.pick(["text/plain", "application/xml", "", "application/grpc-web-text"]);
    what = `${method.name} content-type ${JSON.stringify(contentType)}`;
    init = { method: "POST", headers: contentType === "" ? {} : { "content-type": contentType }, body: wrongShape() };
  } else if (sub === 6) {
    what = `GET ${method.name}`;
    target = `${url}?${r.pick(["", "connect=v1&encoding=json&message=%7B", "encoding=proto&message=!!&base64=1", "message=" + "x".repeat(3_000)])}`;
    init = { method: "GET", headers: {} };
  } else if (sub === 7) {
    what = "unknown path";
    target = `${t.httpBase}${r.pick([`/${SERVICE}/Nope`, "/", "/checkpointd.v1.Other/Put", `/${SERVICE}/`, "/favicon.ico"])}`;
    init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
  } else {
    what = `${method.name} gRPC-Web, random frame`;
    init = {
      method: "POST",
      headers: { "content-type": r.pick(["application/grpc-web", "application/grpc-web+proto"]) },
      body: frame(junkPayload(r, method), { compressed: r.chance(0.1) }),
    };
  }
  return { kind, what, run: () => httpCall(target, init) };
}
