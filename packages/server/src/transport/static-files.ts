import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import type { HttpHandler } from "./listen-http.js";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Content-hashed build outputs (`app-3F2K9QXA.js`): their bytes never change under one name. */
const hashedName = /-[A-Z0-9]{8}\.[a-z]+$/;

interface StaticFile {
  body: Buffer;
  type: string;
  cacheControl: string;
}

export interface StaticFiles {
  /** URL paths served, relative to the prefix ("" is index.html). */
  readonly paths: readonly string[];
  /** Answers GET/HEAD for paths under the prefix; returns false for every other request. */
  handle(...args: Parameters<HttpHandler>): boolean;
}

export interface StaticFilesOptions {
  /** A folder of built files, read once, now: only the files found are ever served (no path reaches the file system later). */
  dir: string;
  /** The URL prefix, with both slashes: "/ui/". */
  prefix: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"));
}

const headers = (type: string, cacheControl: string, length: number) => ({
  "content-type": type,
  "content-length": String(length),
  "cache-control": cacheControl,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
});

/**
 * Serves a built single-page app from memory. A path is looked up in the set
 * of files read at start, never joined to a folder, so no URL (`..`, encoded
 * or not) can name a file outside it. `index.html` is revalidated on every
 * load; content-hashed files are cached for a year.
 */
export async function loadStaticFiles(options: StaticFilesOptions): Promise<StaticFiles> {
  const files = new Map<string, StaticFile>();
  for (const path of await listFiles(options.dir)) {
    const type = contentTypes[extname(path)] ?? "application/octet-stream";
    const cacheControl = hashedName.test(path) ? "public, max-age=31536000, immutable" : "no-cache";
    files.set(path, { body: await readFile(join(options.dir, path)), type, cacheControl });
  }
  const index = files.get("index.html");
  if (index !== undefined) files.set("", index);
  const bare = options.prefix.replace(/\/$/, "");

  return {
    paths: [...files.keys()],
    handle(req, res) {
      const url = req.url ?? "";
      const path = url.split("?", 1)[0]!;
      if (path !== bare && !path.startsWith(options.prefix)) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
        return true;
      }
      if (path === bare) {
        res.writeHead(308, { location: options.prefix }).end();
        return true;
      }
      let name: string;
      try {
        name = decodeURIComponent(path.slice(options.prefix.length));
      } catch {
        name = "\u0000";
      }
      const file = files.get(name);
      if (file === undefined) {
        const body = index === undefined ? "the inspector is not built (run `pnpm run build`)\n" : "not found\n";
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }).end(body);
        return true;
      }
      const send = () => {
        res.writeHead(200, headers(file.type, file.cacheControl, file.body.length));
        if (req.method === "HEAD") res.end();
        else res.end(file.body);
      };
      // Answered after the (empty) request body is read, so that HTTP/1.1 keeps the connection alive.
      if (req.complete) send();
      else req.resume().once("end", send);
      return true;
    },
  };
}
