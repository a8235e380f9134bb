import { ConnectError } from "@connectrpc/connect";

/** The error a call that must be refused ends with; throws when the call succeeds instead. */
export async function refusalOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded");
}
