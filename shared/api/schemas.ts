import { z } from 'zod';

/** Schemas every service's contract uses: the shape of an error that crossed a transport. */

const ErrorLocationSchema = z.object({
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  offset: z.number().int().optional(),
  cellId: z.string().optional(),
  task: z.string().optional(),
});

export const ErrorDataSchema = z.object({
  code: z.string(),
  message: z.string(),
  location: ErrorLocationSchema.optional(),
});
