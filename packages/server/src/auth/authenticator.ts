import type { DescMethod } from "@bufbuild/protobuf";
import { unauthenticatedIdentity, type CallIdentity } from "../domain/call-identity.js";
import type { CallCredentials } from "./transport-context.js";

/** What the authentication layer follows for the length of a call it accepted. */
export interface CallScope {
  /** Each message a client streams after the call began (Watch's resumes and claims): throws a ServiceError to refuse it. */
  message?: ((message: unknown) => void) | undefined;
  /** The call ended: `error` undefined when it succeeded. */
  end(error: unknown): void;
}

/**
 * Turns a call's credentials into who is calling, or throws a ServiceError
 * (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED) that the transports
 * send as is. May answer synchronously: the hot path then costs no extra turn.
 */
export interface Authenticator {
  authenticate(credentials: CallCredentials, method: DescMethod, request: unknown): CallIdentity | Promise<CallIdentity>;
  /**
   * Follows a call `authenticate` accepted, until it ends (open-stream caps, the audit log); throwing a ServiceError
   * refuses it. Undefined, or returning undefined: nothing to follow.
   */
  track?(identity: CallIdentity, method: DescMethod, request: unknown): CallScope | undefined;
  /**
   * Who calls a service that is not CheckpointService (health, reflection) and not public: any valid credentials
   * will do. Undefined: every such service is public.
   */
  identify?(credentials: CallCredentials, path: string): CallIdentity | Promise<CallIdentity>;
}

/** Authentication off: every call is the default tenant with every role. */
export function createOpenAuthenticator(): Authenticator {
  return { authenticate: () => unauthenticatedIdentity };
}
