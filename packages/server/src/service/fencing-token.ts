import { invalidArgument } from "../errors/service-error.js";

const decimal = /^[0-9]{1,20}$/;
const maxToken = (1n << 64n) - 1n;

/**
 * A write's fencing token: the request's `fencing_token` field, or the call's
 * `x-checkpointd-fencing-token` metadata (a decimal number); 0n when neither is
 * set. Both set and different is INVALID_ARGUMENT, as is metadata that is no
 * number: a write never goes out fenced by a token its sender did not mean.
 */
export function fencingTokenOf(field: bigint, header: string | undefined): bigint {
  if (header === undefined || header === "") return field;
  const text = header.trim();
  if (!decimal.test(text) || BigInt(text) > maxToken) {
    throw invalidArgument(`x-checkpointd-fencing-token must be a decimal fencing token, not ${JSON.stringify(header.slice(0, 40))}`);
  }
  const token = BigInt(text);
  if (field !== 0n && field !== token) {
    throw invalidArgument(`fencing_token ${field} differs from the x-checkpointd-fencing-token metadata ${token}`);
  }
  return token;
}
