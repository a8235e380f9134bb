import type { DescMethod } from "@bufbuild/protobuf";
import { unauthenticatedIdentity, type CallIdentity } from "../domain/call-identity.js";
import type { CallCredentials } from "./transport-context.js";

/**
 * Turns a call's credentials into who is calling, or throws a ServiceError
 * (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED) that the transports
 * send as is. May answer synchronously: the hot path then costs no extra turn.
 */
export interface Authenticator {
  authenticate(credentials: CallCredentials, method: DescMethod, request: unknown): CallIdentity | Promise<CallIdentity>;
}

/** Authentication off: every call is the default tenant with every role. */
export function createOpenAuthenticator(): Authenticator {
  return { authenticate: () => unauthenticatedIdentity };
}
