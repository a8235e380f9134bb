import { create, toBinary } from "@bufbuild/protobuf";
import { ListRequestSchema, PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { connectJunk } from "./connect-junk.js";
import { MiB, SERVICE } from "./fuzz-limits.js";
import { frame, h2Call, H2Pool, type H2Request } from "./h2-call.js";
import { bigRequest, hostileRequest } from "./hostile-requests.js";
import { methods } from "./methods.js";
import { abbreviate, type Probe } from "./outcome.js";
import { deepStruct, junkPayload, lenField, sampleBytes } from "./proto-payloads.js";
import { Rng } from "./rng.js";
import { connectCall, grpcJsList, grpcJsUnary, type Targets } from "./rpc-calls.js";

export const kinds = {
  /** Framed random / mutated bytes to every method, mostly on the gRPC port, some on the Connect port's h2c gRPC. */
  "random body": 640,
  "truncated frame": 100,
  "length > 16 MiB": 60,
  "compressed flag, no grpc-encoding": 100,
  "wrong content-type": 120,
  GET: 60,
  "unknown path": 80,
  "hostile values (client)": 440,
  "10k-entry maps, 70k ids (client)": 40,
  "deep Struct (grpc-js)": 60,
  "Connect port junk": 300,
} as const;
export type Kind = keyof typeof kinds;

export function probeFor(kind: Kind, r: Rng, index: number, t: Targets): Probe {
  const method = r.pick(methods);
  const path = `/${SERVICE}/${method.name}`;
  const slot = index;
  const grpc =
    (request: H2Request, pool: H2Pool = t.grpcPool) =>
    () =>
      h2Call(pool, slot, request);
  switch (kind) {
    case "random body": {
      const frames = Array.from({ length: r.chance(0.1) ? r.int(0, 3) : 1 }, () => frame(junkPayload(r, method)));
      const pool = r.chance(0.2) ? t.httpPool : t.grpcPool;
      // Sometimes split the body at random points across DATA frames.
      const body = Buffer.concat(frames);
      const cuts = r.chance(0.3) && body.length > 2 ? [r.int(1, body.length - 1)] : [];
      const chunks = cuts.length === 0 ? [body] : [body.subarray(0, cuts[0]), body.subarray(cuts[0])];
      return {
        kind,
        what: `${method.name} ${frames.length} frame(s), ${body.length} B${pool === t.httpPool ? " (http port)" : ""}`,
        run: grpc({ path, contentType: r.pick(["application/grpc", "application/grpc+proto"]), body: chunks }, pool),
        heavy: body.length > 256 * 1024,
      };
    }
    case "truncated frame": {
      const declared = r.pick([1, 10, 1_000, 65_536, 1_000_000, 16 * MiB]);
      const sent = r.bytes(r.int(0, Math.min(declared - 1, 2_000)));
      const body = [frame(sent, { declaredLength: declared })];
      // Sometimes only part of the 5-byte prefix itself.
      if (r.chance(0.2)) body[0] = body[0]!.subarray(0, r.int(1, 4));
      return {
        kind,
        what: `${method.name} declares ${declared} B, sends ${body[0]!.length - 5}`,
        run: grpc({ path, contentType: "application/grpc", body }),
      };
    }
    case "length > 16 MiB": {
      const declared = r.pick([16 * MiB + 1, 17 * MiB, 2 ** 31, 2 ** 32 - 1]);
      const body = [frame(r.bytes(r.int(0, 1024)), { declaredLength: declared })];
      return { kind, what: `${method.name} declares ${declared} B`, run: grpc({ path, contentType: "application/grpc", body }) };
    }
    case "compressed flag, no grpc-encoding": {
      const payload = r.chance(0.5) ? sampleBytes(r, method) : junkPayload(r, method);
      return {
        kind,
        what: `${method.name} compressed flag, ${payload.length} B`,
        run: grpc({ path, contentType: "application/grpc", body: [frame(payload, { compressed: true })] }),
        heavy: payload.length > 256 * 1024,
      };
    }
    case "wrong content-type": {
      const contentType = r.pick([
        "text/plain",
        "application/json",
        undefined,
        "",
        "application/x-www-form-urlencoded",
        "application/proto",
        "multipart/form-data; boundary=x",
      ]);
      const body = r.chance(0.5) ? [frame(sampleBytes(r, method))] : [Buffer.from('{"config":{"threadId":"t"}}')];
      return { kind, what: `${method.name} content-type ${JSON.stringify(contentType)}`, run: grpc({ path, contentType, body }) };
    }
    case "GET": {
      const withBody = r.chance(0.5);
      return {
        kind,
        what: `GET ${method.name}${withBody ? " with a body" : ""}`,
        run: grpc({
          path,
          method: "GET",
          contentType: r.chance(0.8) ? "application/grpc" : undefined,
          body: withBody ? [frame(sampleBytes(r, method))] : undefined,
        }),
      };
    }
    case "unknown path": {
      const unknown = r.pick([
        `/${SERVICE}/Nope`,
        `/${SERVICE}/put`,
        `/${SERVICE}/`,
        `/${SERVICE}`,
        "/checkpointd.v1.Other/Put",
        "/",
        "/grpc.health.v1.Health/Nope",
        `/${SERVICE}/Put/extra`,
        `/${SERVICE}/Put%00`,
        `/${"x".repeat(2_000)}`,
        "*",
      ]);
      return {
        kind,
        what: `path ${unknown.slice(0, 60)}`,
        run: grpc({ path: unknown, contentType: "application/grpc", body: [frame(sampleBytes(r, method))] }),
        malformedHttp2: unknown === "*",
      };
    }
    case "hostile values (client)": {
      const flags: { heavy?: boolean } = {};
      const request = hostileRequest(r, method, flags);
      return {
        kind,
        what: `${method.name} via @connectrpc/connect gRPC`,
        run: () => connectCall(t.client, method, request),
        details: () => abbreviate(request),
        heavy: flags.heavy === true,
      };
    }
    case "10k-entry maps, 70k ids (client)": {
      const { method: bigMethod, request } = bigRequest(r);
      return {
        kind,
        what: `${bigMethod.name} via @connectrpc/connect gRPC`,
        run: () => connectCall(t.client, bigMethod, request),
        details: () => abbreviate(request),
        heavy: true,
      };
    }
    case "deep Struct (grpc-js)": {
      const depth = r.pick([10, 30, 45, 48, 50, 60, 99, 101, 500, 5_000, 100_000]);
      const useList = r.chance(0.3);
      const struct = deepStruct(depth, useList);
      if (r.chance(0.5)) {
        const base = toBinary(
          PutRequestSchema,
          create(PutRequestSchema, { config: { threadId: `deep${r.int(0, 3)}` }, checkpoint: { id: `c${r.int(0, 9)}` } }),
        );
        const body = Buffer.concat([base, Buffer.from(lenField(3, struct.length)), struct]);
        return { kind, what: `Put metadata ${useList ? "list" : "struct"} depth ${depth}`, run: () => grpcJsUnary(t.grpcJs, "Put", body) };
      }
      const base = toBinary(ListRequestSchema, create(ListRequestSchema, { config: { threadId: `deep${r.int(0, 3)}` }, limit: 5 }));
      const body = Buffer.concat([base, Buffer.from(lenField(2, struct.length)), struct]);
      return { kind, what: `List filter ${useList ? "list" : "struct"} depth ${depth}`, run: () => grpcJsList(t.grpcJs, body) };
    }
    case "Connect port junk":
      return connectJunk(r, method, t);
  }
}
