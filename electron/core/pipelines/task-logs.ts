import { open as openFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RequestParsedArgs, RequestResult } from '../../../shared/api/contract';
import { LakebenchError } from '../../../shared/errors';
import type { PipelineRunStore } from './pipeline-run-store';

/** The logs of task tries: read from an offset in whole UTF-8 characters, and searched with context lines. */
export class TaskLogs {
  constructor(
    private readonly store: PipelineRunStore,
    private readonly engineDir: string,
  ) {}

  private logFileOf(runId: string, taskId: string, tryNumber: number): { file: string; complete: boolean } {
    const t = this.store.getTry(runId, taskId, tryNumber, () => 0);
    if (!t)
      throw new LakebenchError('NOT_FOUND', `run ${runId} has no try ${tryNumber} of ${taskId}`, {
        task: taskId,
      });
    return {
      file: path.join(this.engineDir, t.logFile),
      complete: t.state === 'success' || t.state === 'failed',
    };
  }

  async read(args: RequestParsedArgs<'pipelines.readLog'>): Promise<RequestResult<'pipelines.readLog'>> {
    const { file, complete } = this.logFileOf(args.runId, args.taskId, args.tryNumber);
    // A try that has not written a line yet has no log file: an empty log.
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    if (args.offset >= size) return { text: '', nextOffset: size, size, complete };
    const handle = await openFile(file, 'r');
    try {
      const length = Math.min(args.maxBytes, size - args.offset);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, args.offset);
      // Stop at the last whole UTF-8 character, so a tail never splits one.
      let end = bytesRead;
      if (args.offset + end < size) {
        while (end > 0 && (buf[end - 1] & 0xc0) === 0x80) end--;
        if (end > 0 && buf[end - 1] >= 0xc0) end--;
      }
      return { text: buf.subarray(0, end).toString('utf8'), nextOffset: args.offset + end, size, complete };
    } finally {
      await handle.close();
    }
  }

  async search(
    args: RequestParsedArgs<'pipelines.searchLog'>,
  ): Promise<RequestResult<'pipelines.searchLog'>> {
    let matcher: (line: string) => boolean;
    if (args.regex) {
      let re: RegExp;
      try {
        re = new RegExp(args.query, args.caseSensitive ? '' : 'i');
      } catch (err) {
        throw new LakebenchError(
          'INVALID_REQUEST',
          `the search is not a valid regular expression: ${(err as Error).message}`,
        );
      }
      matcher = (l) => re.test(l);
    } else {
      const q = args.caseSensitive ? args.query : args.query.toLowerCase();
      matcher = (l) => (args.caseSensitive ? l : l.toLowerCase()).includes(q);
    }
    const tries = this.store
      .triesOf(args.runId, args.taskId, () => 0)
      .filter((t) => args.tryNumber === undefined || t.tryNumber === args.tryNumber);
    if (!tries.length)
      throw new LakebenchError('NOT_FOUND', `run ${args.runId} has no such try of ${args.taskId}`, {
        task: args.taskId,
      });
    const matches: RequestResult<'pipelines.searchLog'>['matches'] = [];
    let total = 0;
    for (const t of tries) {
      // A try that never wrote a line has no log file, and so no matches.
      const text = await readFile(path.join(this.engineDir, t.logFile), 'utf8').catch(() => '');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (let i = 0; i < lines.length; i++) {
        if (!matcher(lines[i])) continue;
        // Past the limit the matches are only counted, so the user learns how many there are.
        if (total++ >= args.limit) continue;
        matches.push({
          tryNumber: t.tryNumber,
          line: i + 1,
          text: lines[i],
          before: lines.slice(Math.max(0, i - args.context), i),
          after: lines.slice(i + 1, i + 1 + args.context),
        });
      }
    }
    return { matches, total, truncated: total > matches.length };
  }
}
