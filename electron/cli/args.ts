import path from 'node:path';
import { LakebenchError } from '../../shared/errors';

/** What every workspace command of the CLI reads from its arguments. */

export function requireWorkspace(value: string | undefined): string {
  if (!value) throw new LakebenchError('INVALID_REQUEST', '--workspace DIR is required');
  return path.resolve(value);
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new LakebenchError('INVALID_REQUEST', `give exactly one ${what}`);
  return positionals[0];
}
