import { z } from 'zod';
import { request } from '../api/define';

/**
 * The Python kernels' requests and events; merged into the one API contract in shared/api/contract.ts.
 *
 * Each open notebook has at most one kernel, started by its first `kernels.execute`. Running is fire-and-forget:
 * `kernels.execute` returns at once, outputs stream as `kernels.onOutput` (stdout while the code runs), and
 * `kernels.onExecutionFinished` ends each execution. Outputs are nbformat outputs, saved into the .ipynb as
 * they are.
 *
 * Errors (LakebenchError codes): `KERNEL_UNAVAILABLE` when the configured Python lacks ipykernel or
 * jupyter_client, or is missing (the message names the interpreter); `KERNEL_DIED` when the kernel ended;
 * `NOT_FOUND` for a notebook without a kernel; `PATH_OUTSIDE_WORKSPACE` and `INVALID_REQUEST` for bad paths.
 */

const NotebookPath = z
  .string()
  .min(1, 'a notebook path is required')
  .max(1024)
  .refine((p) => !p.includes('\0'), 'a path must not contain NUL')
  .refine((p) => p.toLowerCase().endsWith('.ipynb'), 'a notebook path ends with .ipynb');

const CellId = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, 'a cell id is 1-64 letters, digits, - or _');

const ExecutionId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'an execution id is letters, digits, . _ : or -');

/** `none`: the notebook has no kernel (never started, or shut down). */
export const KERNEL_STATES = ['none', 'starting', 'idle', 'busy', 'restarting', 'dead'] as const;
export type KernelStatus = (typeof KERNEL_STATES)[number];

/** How an execution ended: as the kernel replied; `died` if the kernel ended under it; `failed` if none started. */
export const EXECUTION_STATUSES = ['ok', 'error', 'aborted', 'died', 'failed'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

const KernelErrorSchema = z.object({ code: z.string(), message: z.string() });

export const KernelInfoSchema = z.object({
  notebook: z.string(),
  state: z.enum(KERNEL_STATES),
  /** The interpreter the kernel runs (or would run). */
  python: z.string(),
  /** Its version, once a kernel answered. */
  pythonVersion: z.string().nullable(),
  /** Why the kernel is dead or could not start. */
  error: KernelErrorSchema.nullable(),
});
export type KernelInfo = z.infer<typeof KernelInfoSchema>;

/** One nbformat output (stream, execute_result, display_data, error), as Jupyter writes it. */
const OutputSchema = z.record(z.string(), z.unknown());

/** Completion from a running kernel: what replaces the text from `from` to `to` (UTF-16 offsets of the code). */
export const KernelCompletionSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  items: z.array(z.object({ text: z.string(), type: z.string().nullable() })),
});
export type KernelCompletion = z.infer<typeof KernelCompletionSchema>;

const CompletionArgs = z.object({
  notebook: NotebookPath,
  code: z.string().max(1_000_000),
  cursor: z.number().int().min(0),
});

export const kernelRequests = {
  'kernels.complete': request(
    CompletionArgs,
    KernelCompletionSchema,
    "Completion at an offset of a Python cell from the notebook's running kernel (none when it has no kernel).",
  ),
  'kernels.inspect': request(
    CompletionArgs,
    z.object({ text: z.string().nullable() }),
    'Help on the name at an offset of a Python cell (signature and docstring), from the running kernel.',
  ),
  'kernels.execute': request(
    z.object({
      notebook: NotebookPath,
      cellId: CellId,
      code: z.string().max(10_000_000),
      executionId: ExecutionId,
    }),
    z.object({ executionId: z.string() }),
    "Runs Python code in the notebook's kernel (started on first use) and returns at once; outputs and the end arrive as events.",
  ),
  'kernels.interrupt': request(
    z.object({ notebook: NotebookPath }),
    z.object({ interrupted: z.boolean() }),
    'Interrupts the running code (KeyboardInterrupt in the kernel); queued executions are aborted.',
  ),
  'kernels.restart': request(
    z.object({ notebook: NotebookPath }),
    KernelInfoSchema,
    'Starts a fresh kernel for the notebook (its variables are gone); running executions end as aborted.',
  ),
  'kernels.shutdown': request(
    z.object({ notebook: NotebookPath }),
    z.object({ shutdown: z.boolean() }),
    "Stops the notebook's kernel and everything it started.",
  ),
  'kernels.getInfo': request(
    z.object({ notebook: NotebookPath }),
    KernelInfoSchema,
    "The state of the notebook's kernel.",
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const kernelEvents = {
  /** A notebook's kernel changed state (starting, idle, busy, restarting, dead, none). */
  'kernels.onStatus': KernelInfoSchema,
  /** One output of a running execution, as it was produced. */
  'kernels.onOutput': z.object({
    notebook: z.string(),
    cellId: z.string(),
    executionId: z.string(),
    output: OutputSchema,
  }),
  /** The code called clear_output(); with `wait`, the outputs clear when the next one arrives. */
  'kernels.onClearOutput': z.object({
    notebook: z.string(),
    cellId: z.string(),
    executionId: z.string(),
    wait: z.boolean(),
  }),
  'kernels.onExecutionFinished': z.object({
    notebook: z.string(),
    cellId: z.string(),
    executionId: z.string(),
    status: z.enum(EXECUTION_STATUSES),
    /** The kernel's execution count of this code, if it ran. */
    executionCount: z.number().int().nullable(),
    /** Why it did not run (`failed`) or did not finish (`died`); a Python exception is an error output. */
    error: KernelErrorSchema.nullable(),
  }),
} satisfies Record<string, z.ZodType>;
