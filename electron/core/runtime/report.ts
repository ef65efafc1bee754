import { errorMessage } from '../../../shared/errors';

/**
 * Says on stderr that background work failed where no caller waits for it (a timer, a fire-and-forget call):
 * the error is not lost, and the work that does not depend on it goes on.
 */
export function reportError(what: string, err: unknown): void {
  process.stderr.write(`lakebench: ${what}: ${errorMessage(err)}\n`);
}
