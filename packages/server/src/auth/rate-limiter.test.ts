import { Code, ServiceError } from "../errors/service-error.js";
import { createRateLimiter, createStreamCap } from "./rate-limiter.js";

test("a bucket holds one second's worth, refills at the rate, and says when to retry", () => {
  let t = 0;
  const limiter = createRateLimiter({ now: () => t });
  for (let i = 0; i < 10; i++) limiter.take("tenant:a", 10, 1);
  let refusal: unknown;
  try {
    limiter.take("tenant:a", 10, 1);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(ServiceError);
  expect((refusal as ServiceError).code).toBe(Code.ResourceExhausted);
  expect((refusal as ServiceError).metadata).toEqual({ "retry-after-ms": "100" });
  limiter.take("tenant:b", 10, 1);
  t = 100;
  limiter.take("tenant:a", 10, 1);
  expect(() => limiter.take("tenant:a", 10, 1)).toThrow(ServiceError);
  // A cost above the capacity takes the whole bucket rather than never passing.
  t = 10_000;
  limiter.take("tenant:a", 10, 1000);
  expect(() => limiter.take("tenant:a", 10, 1)).toThrow(/retry in 100 ms/);
});

test("a tenant's open streams are capped, and closing one (once) frees a place", () => {
  const cap = createStreamCap(2);
  const close1 = cap.open("a");
  cap.open("a");
  expect(() => cap.open("a")).toThrow(/2 open Watch\/Subscribe streams/);
  cap.open("b");
  close1();
  close1();
  cap.open("a");
  expect(() => cap.open("a")).toThrow(ServiceError);
});
