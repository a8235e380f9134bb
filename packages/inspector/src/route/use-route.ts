import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "threads"; filter: string; prefix: string }
  | { page: "thread"; thread: string }
  | { page: "checkpoint"; thread: string; ns: string; id: string }
  | { page: "diff"; thread: string; ns: string; a: string; b: string };

/** Routes live in the hash (`#/thread?thread=…`): the server serves one index.html for all of them. */
export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const p = new URLSearchParams(query);
  const get = (name: string) => p.get(name) ?? "";
  switch (path) {
    case "thread":
      return { page: "thread", thread: get("thread") };
    case "checkpoint":
      return { page: "checkpoint", thread: get("thread"), ns: get("ns"), id: get("id") };
    case "diff":
      return { page: "diff", thread: get("thread"), ns: get("ns"), a: get("a"), b: get("b") };
    default:
      return { page: "threads", filter: get("filter"), prefix: get("prefix") };
  }
}

export function href(route: Route): string {
  const { page, ...params } = route;
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "") as [string, string][]).toString();
  return `#/${page}${query === "" ? "" : `?${query}`}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
