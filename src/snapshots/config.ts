// The `snapshots` section of the configuration: how much of the cameras' pictures is kept under data_dir.
import { z } from 'zod';
import type { SnapshotLimits } from './snapshot-store.js';

export const snapshotsSection = z
  .object({
    /** A larger picture is not kept (its event still goes out, without it). */
    max_image_kb: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .default(8192),
    /** All pictures together; past it the oldest go first. */
    max_total_mb: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .default(256),
    /** Older pictures go. */
    max_age_days: z.number().int().min(1).max(3650).default(7),
  })
  .strict();

export type SnapshotsConfig = z.output<typeof snapshotsSection>;

export function snapshotLimitsOf(config: SnapshotsConfig): SnapshotLimits {
  return {
    maxImageBytes: config.max_image_kb * 1024,
    maxTotalBytes: config.max_total_mb * 1024 * 1024,
    maxAgeMs: config.max_age_days * 24 * 3600_000,
  };
}
