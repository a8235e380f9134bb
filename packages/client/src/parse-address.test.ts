import { describe, expect, it } from "@jest/globals";
import { backoffDelay } from "./backoff-delay.js";
import { parseAddress } from "./parse-address.js";

describe("parseAddress", () => {
  it("accepts host:port and http(s) URLs", () => {
    expect(parseAddress("127.0.0.1:50051")).toEqual({ baseUrl: "http://127.0.0.1:50051", host: "127.0.0.1", port: 50051, tls: false });
    expect(parseAddress("http://localhost:8080/")).toEqual({ baseUrl: "http://localhost:8080", host: "localhost", port: 8080, tls: false });
    expect(parseAddress("https://checkpointd.example")).toEqual({
      baseUrl: "https://checkpointd.example",
      host: "checkpointd.example",
      port: 443,
      tls: true,
    });
    expect(parseAddress("[::1]:9000")).toMatchObject({ baseUrl: "http://[::1]:9000", host: "::1", port: 9000 });
  });

  it("rejects what is not an address, saying why", () => {
    expect(() => parseAddress("localhost")).toThrow(/port is required/);
    expect(() => parseAddress("grpc://h:1")).toThrow(/http or https/);
    expect(() => parseAddress("http://h:1/api")).toThrow(/nothing after the port/);
    expect(() => parseAddress("h:notaport")).toThrow(/expected host:port/);
  });
});

describe("backoffDelay", () => {
  const policy = { initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2 };
  it("grows exponentially up to the cap, with jitter in the upper half", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
