import { create } from "@bufbuild/protobuf";
import { BatchRequestSchema, CheckpointService, WatchRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { methodRoles, requiredRole, watchMessageRole } from "./method-roles.js";

test("every method of CheckpointService has a role, and the table names no other method", () => {
  const served = CheckpointService.methods.map((method) => method.localName).sort();
  expect(Object.keys(methodRoles).sort()).toEqual(served);
  for (const method of CheckpointService.methods) expect(["read", "write", "admin"]).toContain(requiredRole(method, undefined));
});

test("a Batch needs the largest role of its calls", () => {
  const batch = CheckpointService.method.batch;
  const of = (...kinds: ("put" | "putWrites" | "getTuple")[]) =>
    create(BatchRequestSchema, { calls: kinds.map((kind) => ({ call: { case: kind, value: {} } })) });
  expect(requiredRole(batch, of())).toBe("read");
  expect(requiredRole(batch, of("getTuple", "getTuple"))).toBe("read");
  expect(requiredRole(batch, of("getTuple", "putWrites"))).toBe("write");
  expect(requiredRole(batch, of("put"))).toBe("write");
});

test("a resume or a claim on a Watch stream writes; subscribing reads", () => {
  const of = (kind: "subscribe" | "unsubscribe" | "resume" | "claim") => create(WatchRequestSchema, { kind: { case: kind, value: {} } });
  expect(watchMessageRole(of("subscribe"))).toBe("read");
  expect(watchMessageRole(of("unsubscribe"))).toBe("read");
  expect(watchMessageRole(of("resume"))).toBe("write");
  expect(watchMessageRole(of("claim"))).toBe("write");
});
