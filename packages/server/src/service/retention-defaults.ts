import type { SettingsValues } from "../config/settings.js";
import type { RetentionDefaults } from "../domain/retention-policy.js";

/** The retention defaults of a configuration (`off` is 0: no limit). */
export function retentionDefaultsOf(
  config: Pick<SettingsValues, "retentionMaxVersions" | "retentionMaxAge" | "threadTtl" | "threadTtlStrategy" | "threadTtlRefreshOnRead">,
): RetentionDefaults {
  return {
    maxVersions: config.retentionMaxVersions ?? 0,
    maxAgeMs: config.retentionMaxAge ?? 0,
    ttlMs: config.threadTtl ?? 0,
    ttlStrategy: config.threadTtlStrategy,
    refreshOnRead: config.threadTtlRefreshOnRead,
  };
}
