import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname } from "node:path";

export interface WatchFileOptions {
  /** The stat fallback's period: a change fs.watch misses is seen within it (default 1000 ms). */
  pollMs?: number;
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` soon after `path` changes: fs.watch on its directory (so a
 * file replaced by rename, as editors and Kubernetes do, is still seen) and a
 * periodic stat of size, mtime and inode for what fs.watch misses. Never calls
 * `onChange` while a previous call is still running.
 */
export function watchFile(path: string, onChange: () => Promise<void>, options: WatchFileOptions = {}): FileWatch {
  let last = "";
  let running = false;
  let again = false;
  const fire = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    onChange()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          fire();
        }
      });
  };
  const poll = () => {
    stat(path).then(
      (s) => {
        const seen = `${s.size}:${s.mtimeMs}:${s.ino}`;
        if (last !== "" && seen !== last) fire();
        last = seen;
      },
      () => {
        if (last !== "missing" && last !== "") fire();
        last = "missing";
      },
    );
  };
  poll();
  const timer = setInterval(poll, options.pollMs ?? 1000).unref();
  let watcher: FSWatcher | undefined;
  try {
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // Fired directly: a same-size rewrite within the file system's mtime granularity changes no stat.
      if (changed === null || changed === name) fire();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
