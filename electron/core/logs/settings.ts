import { z } from 'zod';
import { LakebenchError } from '../../../shared/errors';
import { RetentionPolicySchema, type RetentionPolicy } from '../../../shared/logs/model';

/**
 * The `logs:` section of lakebench.yaml:
 *
 *     logs:
 *       retention:
 *         days: 30       # records older than this are deleted; null keeps them
 *         max_mb: 1000   # past this size the oldest records go; null: no limit
 */
const LogsSettingsSchema = z
  .object({
    retention: z
      .object({
        days: z.number().positive().max(100_000).nullable().optional(),
        max_mb: z.number().positive().max(10_000_000).nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict()
  .nullable()
  .optional();

/** The retention policy lakebench.yaml sets (the defaults for what it leaves out). */
export function retentionFromSettings(
  settings: Record<string, unknown>,
  file = 'lakebench.yaml',
): RetentionPolicy {
  const parsed = LogsSettingsSchema.safeParse(settings.logs);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['logs', ...issue.path.map(String)].join('.');
    throw new LakebenchError('WORKSPACE_INVALID_SETTINGS', `${file}: ${where}: ${issue.message}`, { file });
  }
  const r = parsed.data?.retention ?? {};
  return RetentionPolicySchema.parse({
    ...(r.days !== undefined ? { maxAgeDays: r.days } : {}),
    ...(r.max_mb !== undefined ? { maxSizeMb: r.max_mb } : {}),
  });
}
