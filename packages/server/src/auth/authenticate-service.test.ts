import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { CallIdentity } from "../domain/call-identity.js";
import { Code, ServiceError } from "../errors/service-error.js";
import type { HandlerContext, ServiceImpl } from "../service/service-impl.js";
import { authenticateService } from "./authenticate-service.js";
import type { Authenticator } from "./authenticator.js";
import type { TransportContext } from "./transport-context.js";

const tenantA: CallIdentity = { tenant: "a", subject: "key-a", roles: new Set(["read"]) };

/** Every method records the identity it ran with. */
function recordingService(seen: HandlerContext[]): ServiceImpl<typeof CheckpointService> {
  const impl: Record<string, unknown> = {};
  for (const method of CheckpointService.methods) {
    impl[method.localName] =
      method.methodKind === "unary"
        ? (_: unknown, context: HandlerContext) => {
            seen.push(context);
            return Promise.resolve({});
          }
        : async function* (_: unknown, context: HandlerContext) {
            seen.push(context);
            yield {};
          };
  }
  return impl as ServiceImpl<typeof CheckpointService>;
}

const transport = (authorization: string[]): TransportContext => ({
  signal: new AbortController().signal,
  credentials: { authorization, peerCertificate: undefined },
});

/** Accepts "Bearer a" as tenant a; refuses anything else. */
const authenticator: Authenticator = {
  authenticate(credentials) {
    if (credentials.authorization[0] === "Bearer a") return tenantA;
    throw new ServiceError(Code.Unauthenticated, "unknown key");
  },
};

test("every method runs with the identity the authenticator established, and not at all when it refuses", async () => {
  const seen: HandlerContext[] = [];
  const served = authenticateService(CheckpointService, recordingService(seen), authenticator);
  await served.getTuple({} as never, transport(["Bearer a"]));
  for await (const _ of served.watch({} as never, transport(["Bearer a"]))) break;
  expect(seen.map((context) => context.identity)).toEqual([tenantA, tenantA]);

  await expect(served.put({} as never, transport([]))).rejects.toMatchObject({ code: Code.Unauthenticated });
  const refusedStream = async () => {
    for await (const _ of served.subscribe({} as never, transport(["Bearer b"]))) break;
  };
  await expect(refusedStream()).rejects.toMatchObject({ code: Code.Unauthenticated });
  expect(seen).toHaveLength(2);
});

test("an asynchronous authenticator is awaited before the handler runs", async () => {
  const seen: HandlerContext[] = [];
  const slow: Authenticator = { authenticate: async () => tenantA };
  const served = authenticateService(CheckpointService, recordingService(seen), slow);
  await served.deleteThread({} as never, transport([]));
  expect(seen.map((context) => context.identity.tenant)).toEqual(["a"]);
});
