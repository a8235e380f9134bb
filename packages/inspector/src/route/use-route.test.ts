import { describe, expect, it } from "@jest/globals";
import { href, parseRoute, type Route } from "./use-route.js";

describe("routes", () => {
  it("round-trip through the hash, odd characters included", () => {
    const routes: Route[] = [
      { page: "threads", filter: '{"source":"update"}', prefix: "a b&c" },
      { page: "thread", thread: "t/1?x#y" },
      { page: "checkpoint", thread: "t", ns: "parent:1|child:2", id: "1f0" },
      { page: "diff", thread: "t", ns: "", a: "1", b: "2" },
    ];
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
    expect(parseRoute("")).toEqual({ page: "threads", filter: "", prefix: "" });
    expect(parseRoute("#/nonsense")).toEqual({ page: "threads", filter: "", prefix: "" });
  });
});
