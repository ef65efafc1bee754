import type { z } from 'zod';

/** Declares one request of the API contract: its input and output schemas and what it does. */
export function request<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}
