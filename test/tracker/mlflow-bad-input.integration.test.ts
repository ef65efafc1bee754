import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../electron/server/mlflow/protocol';
import { startTrackerServer, type TrackerServer } from './helpers';

/**
 * What hostile or broken requests get from the MLflow REST API: a 4xx with one of MLflow's error codes, never a
 * 500 and never a server that stops answering. Every request is sent raw, so bodies can hold invalid UTF-8 and
 * paths malformed percent-encoding.
 */

let s: TrackerServer;
let exp: string;
let runId: string;

interface Answer {
  status: number;
  body: string;
  ms: number;
}

function raw(method: string, rawPath: string, body?: string | Buffer, agent?: http.Agent): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.server.port,
        method,
        path: rawPath,
        // A fresh connection per request unless the caller holds one: a refused request may close its own.
        agent: agent ?? false,
        headers: {
          authorization: `Bearer ${s.server.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - t0,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const API = '/api/2.0/mlflow';
const json = (v: unknown) => JSON.stringify(v);
const query = (fields: Record<string, string>) => `?${new URLSearchParams(fields)}`;

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
}

/** The corpus; built once the experiment and run it needs exist. */
function corpus(): Case[] {
  const cases: Case[] = [];
  const post = (name: string, endpoint: string, body: unknown) =>
    cases.push({
      name,
      method: 'POST',
      path: `${API}/${endpoint}`,
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : json(body),
    });
  const get = (name: string, endpoint: string, q: string) =>
    cases.push({ name, method: 'GET', path: `${API}/${endpoint}${q}` });

  // Bodies that are not a JSON object, or not text.
  const badBodies: [string, string | Buffer][] = [
    ['unclosed object', '{'],
    ['a list', '[1, 2]'],
    ['a string', '"name"'],
    ['a number', '123'],
    ['null', 'null'],
    ['a missing value', '{"name": }'],
    ['a bare word', 'nul'],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    [
      'a truncated UTF-8 sequence',
      Buffer.concat([Buffer.from('{"name": "a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
    ],
    [
      'a UTF-8 encoded surrogate',
      Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ],
  ];
  for (const endpoint of [
    'experiments/create',
    'runs/create',
    'runs/log-batch',
    'runs/log-metric',
    'registered-models/create',
    'runs/search',
  ])
    for (const [what, body] of badBodies) post(`${endpoint} with ${what}`, endpoint, body);

  // Experiment names.
  for (const [what, name] of [
    ['a number', 5],
    ['a boolean', true],
    ['a list', ['x']],
    ['an object', { a: 1 }],
    ['an empty string', ''],
    ['blanks', '   '],
    ['300 characters', 'e'.repeat(300)],
    ['a megabyte', 'e'.repeat(1_000_000)],
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
  ] as [string, unknown][])
    post(`experiment named with ${what}`, 'experiments/create', { name });
  post('experiment rename to NUL', 'experiments/update', { experiment_id: '0', new_name: 'x\u0000' });
  post('experiment rename to 10,000 characters', 'experiments/update', {
    experiment_id: '0',
    new_name: 'n'.repeat(10_000),
  });
  post('experiment tag with a bad key', 'experiments/set-experiment-tag', {
    experiment_id: exp,
    key: '../x',
    value: 'v',
  });
  post('experiment tag value of 6000 characters', 'experiments/set-experiment-tag', {
    experiment_id: exp,
    key: 'k',
    value: 'v'.repeat(6000),
  });
  post('experiment id that is not a number', 'experiments/delete', { experiment_id: 'abc' });
  post('experiment id that is negative', 'experiments/delete', { experiment_id: '-1' });
  get('experiment id as an object', 'experiments/get', '?experiment_id=%7B%7D');
  get('experiment with no id', 'experiments/get', '');

  // Runs.
  post('run in a missing experiment', 'runs/create', { experiment_id: '999999' });
  post('run start_time that is not a number', 'runs/create', { experiment_id: exp, start_time: 'abc' });
  post('run start_time that is fractional', 'runs/create', { experiment_id: exp, start_time: 1.5 });
  post('run named with 300 characters', 'runs/create', { experiment_id: exp, run_name: 'r'.repeat(300) });
  post('run named with NUL', 'runs/create', { experiment_id: exp, run_name: 'a\u0000' });
  post('run named with a number', 'runs/create', { experiment_id: exp, run_name: 7 });
  post('run with a bad tag key', 'runs/create', {
    experiment_id: exp,
    tags: [{ key: 'a\u0000', value: 'v' }],
  });
  post('run update to an unknown status', 'runs/update', { run_id: runId, status: 'SLEEPING' });
  post('run update with a bad end_time', 'runs/update', { run_id: runId, end_time: 'soon' });
  for (const [what, id] of [
    ['empty', ''],
    ['short', 'nope'],
    ['a path', '../../etc/passwd'],
    ['10,000 characters', 'a'.repeat(10_000)],
    ['unknown hex', '0'.repeat(32)],
    ['an object', { id: 1 }],
  ] as [string, unknown][]) {
    post(`log-batch to a run id that is ${what}`, 'runs/log-batch', { run_id: id, metrics: [] });
    if (typeof id === 'string') get(`get a run id that is ${what}`, 'runs/get', query({ run_id: id }));
  }
  post('delete a run with no id', 'runs/delete', {});

  // Metrics, params, tags.
  const metric = (m: Record<string, unknown>) => ({ run_id: runId, metrics: [m] });
  for (const [what, m] of [
    ['a string value', { key: 'm', value: 'abc', timestamp: 1 }],
    ['no value', { key: 'm', timestamp: 1 }],
    ['a null value', { key: 'm', value: null, timestamp: 1 }],
    ['a list value', { key: 'm', value: [1], timestamp: 1 }],
    ['a string timestamp', { key: 'm', value: 1, timestamp: 'now' }],
    ['a fractional timestamp', { key: 'm', value: 1, timestamp: 1.5 }],
    ['a fractional step', { key: 'm', value: 1, timestamp: 1, step: 0.5 }],
    ['a huge step', { key: 'm', value: 1, timestamp: 1, step: 1e300 }],
    ['no key', { value: 1, timestamp: 1 }],
    ['a numeric key', { key: 5, value: 1, timestamp: 1 }],
    ['a key with ..', { key: 'a/../b', value: 1, timestamp: 1 }],
    ['an absolute key', { key: '/abs', value: 1, timestamp: 1 }],
    ['a key with NUL', { key: 'a\u0000b', value: 1, timestamp: 1 }],
    ['a key of 300 characters', { key: 'k'.repeat(300), value: 1, timestamp: 1 }],
    ['a key with a lone surrogate', { key: '\ud83d', value: 1, timestamp: 1 }],
  ] as [string, Record<string, unknown>][])
    post(`log-batch metric with ${what}`, 'runs/log-batch', metric(m));
  post('log-batch metrics that is an object', 'runs/log-batch', { run_id: runId, metrics: { a: 1 } });
  post('log-batch metrics of null entries', 'runs/log-batch', { run_id: runId, metrics: [null] });
  post('log-batch of 1001 metrics', 'runs/log-batch', {
    run_id: runId,
    metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })),
  });
  post('log-batch of 101 params', 'runs/log-batch', {
    run_id: runId,
    params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
  });
  post('log-batch param with no value', 'runs/log-batch', { run_id: runId, params: [{ key: 'p' }] });
  post('log-batch param with an object value', 'runs/log-batch', {
    run_id: runId,
    params: [{ key: 'p', value: {} }],
  });
  post('log-batch param value of 7000 characters', 'runs/log-batch', {
    run_id: runId,
    params: [{ key: 'p', value: 'v'.repeat(7000) }],
  });
  post('log-batch duplicate params', 'runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'dup', value: 'a' },
      { key: 'dup', value: 'b' },
    ],
  });
  post('log-batch tag value of 9000 characters', 'runs/log-batch', {
    run_id: runId,
    tags: [{ key: 't', value: 'v'.repeat(9000) }],
  });
  post('log-batch tag with an empty key', 'runs/log-batch', {
    run_id: runId,
    tags: [{ key: '', value: 'v' }],
  });
  post('log-metric with no timestamp', 'runs/log-metric', { run_id: runId, key: 'm', value: 1 });
  post('log-metric with a negative NaN spelling', 'runs/log-metric', {
    run_id: runId,
    key: 'm',
    value: '-NaNx',
    timestamp: 1,
  });
  post('log-parameter with no key', 'runs/log-parameter', { run_id: runId, value: 'v' });
  post('set-tag with a numeric key', 'runs/set-tag', { run_id: runId, key: 12, value: 'v' });
  post('delete-tag of a missing tag', 'runs/delete-tag', { run_id: runId, key: 'never-set' });
  post('log-inputs without a dataset name', 'runs/log-inputs', {
    run_id: runId,
    datasets: [{ dataset: {} }],
  });
  post('log-model with malformed JSON', 'runs/log-model', { run_id: runId, model_json: '{' });
  post('log-model with a JSON list', 'runs/log-model', { run_id: runId, model_json: '[1]' });
  post('log-model with a number', 'runs/log-model', { run_id: runId, model_json: 5 });

  // Searches and pages.
  for (const [what, filter] of [
    ['a dangling AND', "params.a = 'x' AND"],
    ['an unknown entity', "things.a = 'x'"],
    ['an unknown attribute', 'attributes.nope = 1'],
    ['a string compared as a number', "metrics.x > 'a'"],
    ['an unclosed string', "params.a = 'x"],
    ['an unclosed list', `params.a IN (${Array.from({ length: 27 }, (_, i) => `'v${i}'`).join(', ')}`],
    ['deep parentheses', `${'('.repeat(5000)}params.a = 'x'${')'.repeat(5000)}`],
    ['a lone !', "params.a ! 'x'"],
    ['999 ORs', Array.from({ length: 999 }, (_, i) => `params.a = 'v${i}'`).join(' OR ')],
    ['999 ANDs', Array.from({ length: 999 }, (_, i) => `params.a = 'v${i}'`).join(' AND ')],
  ])
    post(`runs/search with ${what}`, 'runs/search', { experiment_ids: [exp], filter });
  post('runs/search with an order_by that is not a clause', 'runs/search', {
    experiment_ids: [exp],
    order_by: ['!!!'],
  });
  post('runs/search with an unknown view type', 'runs/search', { run_view_type: 'SOMETIMES' });
  for (const max of [-1, 0, 1e9, 'abc', 1.5])
    post(`runs/search with max_results ${String(max)}`, 'runs/search', { max_results: max });
  post('runs/search with a garbage page token', 'runs/search', { page_token: 'garbage!!' });
  post('runs/search with a non-numeric experiment id', 'runs/search', { experiment_ids: ['abc'] });
  for (const [what, filter] of [
    [
      'an unclosed list of 27 values',
      `name IN (${Array.from({ length: 27 }, (_, i) => `'v${i}'`).join(', ')}`,
    ],
    ['an unknown key', "owner = 'x'"],
    ['an order comparison', "name < 'x'"],
    ['a dangling AND', "name = 'a' AND"],
  ]) {
    get(`registered-models/search with ${what}`, 'registered-models/search', query({ filter }));
    get(`model-versions/search with ${what}`, 'model-versions/search', query({ filter }));
  }
  for (const [what, filter] of [
    ['an unknown field', "owner = 'x'"],
    ['a missing value', 'name ='],
    ['two comparisons without AND', "name = 'a' name = 'b'"],
    ['deep parentheses', `${'('.repeat(1000)}name = 'a'${')'.repeat(1000)}`],
  ])
    post(`experiments/search with ${what}`, 'experiments/search', { filter });
  post('experiments/search with a bad order_by', 'experiments/search', { order_by: ['colour ASC'] });
  get('metrics/get-history with no key', 'metrics/get-history', query({ run_id: runId }));
  get(
    'metrics/get-history with negative max_results',
    'metrics/get-history',
    query({ run_id: runId, metric_key: 'm', max_results: '-5' }),
  );
  get(
    'metrics/get-history with a bad page token',
    'metrics/get-history',
    query({ run_id: runId, metric_key: 'm', page_token: '%%%' }),
  );

  // Registry.
  post('model named with 300 characters', 'registered-models/create', { name: 'm'.repeat(300) });
  post('model named with NUL', 'registered-models/create', { name: 'a\u0000b' });
  post('model named with a number', 'registered-models/create', { name: 42 });
  post('model with a tag value of 6000 characters', 'registered-models/create', {
    name: 'tagged-model',
    tags: [{ key: 'k', value: 'v'.repeat(6000) }],
  });
  for (const v of ['abc', '-1', '0', '1.5'])
    get(`model version '${v}'`, 'model-versions/get', query({ name: 'm', version: v }));
  post('model version for a missing model', 'model-versions/create', { name: 'absent', source: 's' });

  // Paths, methods and encodings.
  for (const p of [
    `${API}/%E0%A4%A`,
    `${API}/experiments/get%ZZ`,
    '/api/2.0/mlflow-artifacts/artifacts/%E0%A4%A',
    `${API}/experiments/get-by-name?experiment_name=%FF`,
    `${API}/experiments/get?experiment_id=%E0%A4%A`,
    `${API}/experiments/get-by-name?experiment_name=%`,
  ])
    cases.push({ name: `bad percent-encoding ${p}`, method: 'GET', path: p });
  for (const p of ['experiments/nope', 'runs', 'runs/get/extra', 'nothing/at/all', '..%2Fruns%2Fget'])
    cases.push({ name: `unknown endpoint ${p}`, method: 'GET', path: `${API}/${p}` });
  for (const [method, p] of [
    ['GET', 'experiments/create'],
    ['DELETE', 'runs/get'],
    ['PUT', 'runs/search'],
    ['PATCH', 'experiments/create'],
    ['POST', 'registered-models/delete'],
  ])
    cases.push({
      name: `${method} on ${p}`,
      method,
      path: `${API}/${p}`,
      body: method === 'GET' ? undefined : '{}',
    });
  const art = `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts`;
  cases.push({ name: 'artifact upload with ..', method: 'PUT', path: `${art}/../../x.txt`, body: 'x' });
  cases.push({ name: 'artifact upload with NUL', method: 'PUT', path: `${art}/a%00b`, body: 'x' });
  cases.push({ name: 'artifact path too long', method: 'GET', path: `${art}/${'a/'.repeat(2000)}x` });
  cases.push({ name: 'artifact name too long', method: 'PUT', path: `${art}/${'n'.repeat(300)}`, body: 'x' });
  cases.push({ name: 'artifact download of nothing', method: 'GET', path: `${art}/absent.txt` });
  cases.push({ name: 'artifact delete of nothing', method: 'DELETE', path: `${art}/absent.txt` });
  cases.push({
    name: 'artifact of a malformed run id',
    method: 'GET',
    path: `/api/2.0/mlflow-artifacts/artifacts/${exp}/xyz/artifacts/a`,
  });
  cases.push({
    name: 'artifact list of a bad path',
    method: 'GET',
    path: `/api/2.0/mlflow-artifacts/artifacts?path=..%2F..`,
  });
  return cases;
}

beforeAll(async () => {
  s = await startTrackerServer();
  const e = await s.call('POST', 'experiments/create', { name: 'bad-input' });
  exp = e.json.experiment_id as string;
  const r = await s.call('POST', 'runs/create', { experiment_id: exp, start_time: Date.now() });
  runId = (r.json.run as { info: { run_id: string } }).info.run_id;
});
afterAll(async () => {
  await s.close();
});

describe('the MLflow REST API under bad input', () => {
  it('answers every case of the corpus with a 4xx and an MLflow error code, and stays healthy', async () => {
    const cases = corpus();
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const failures: string[] = [];
    for (const c of cases) {
      let r: Answer;
      try {
        r = await raw(c.method, c.path, c.body);
      } catch (err) {
        failures.push(`${c.name}: ${String(err)}`);
        continue;
      }
      let code: unknown;
      try {
        code = (JSON.parse(r.body) as { error_code?: unknown }).error_code;
      } catch {
        code = undefined;
      }
      if (r.status < 400 || r.status > 499 || typeof code !== 'string' || !(code in HTTP_STATUS))
        failures.push(`${c.name}: ${r.status} ${r.body.slice(0, 200)}`);
      const health = await raw('GET', `${API}/experiments/get?experiment_id=0`).catch((err: unknown) => ({
        status: String(err),
      }));
      if (health.status !== 200) failures.push(`after ${c.name}: health check answered ${health.status}`);
    }
    expect(failures).toEqual([]);
    // Nothing of the corpus was stored.
    const run = await s.call('GET', 'runs/get', { run_id: runId });
    expect((run.json.run as { data: Record<string, unknown> }).data).toEqual({
      tags: [expect.objectContaining({ key: 'mlflow.runName' })],
    });
  });

  it('logs models whatever the history tag holds, and the run stays usable', async () => {
    const r = await s.call('POST', 'runs/create', { experiment_id: exp });
    const id = (r.json.run as { info: { run_id: string } }).info.run_id;
    const history = async () => {
      const got = await s.call('GET', 'runs/get', { run_id: id });
      const tags = (got.json.run as { data: { tags: { key: string; value: string }[] } }).data.tags;
      return JSON.parse(tags.find((t) => t.key === 'mlflow.log-model.history')!.value) as unknown[];
    };
    const log = (model: Record<string, unknown>) =>
      s.call('POST', 'runs/log-model', { run_id: id, model_json: JSON.stringify(model) });
    for (const [held, kept] of [
      ['{"artifact_path": "old"}', [{ artifact_path: 'old' }]],
      ['42', []],
      ['not json at all', []],
      ['"a string"', []],
    ] as [string, unknown[]][]) {
      expect(
        (await s.call('POST', 'runs/set-tag', { run_id: id, key: 'mlflow.log-model.history', value: held }))
          .status,
      ).toBe(200);
      const first = await log({ artifact_path: 'model' });
      expect(first.status, held).toBe(200);
      expect(await history()).toEqual([...kept, { artifact_path: 'model' }]);
      expect((await log({ artifact_path: 'second' })).status).toBe(200);
      expect(await history()).toEqual([...kept, { artifact_path: 'model' }, { artifact_path: 'second' }]);
    }
  });

  it('keeps answering a simple request on another connection while hostile filters run', async () => {
    const sixty = 'a'.repeat(60);
    expect((await s.call('POST', 'experiments/create', { name: sixty })).status).toBe(200);
    expect((await s.call('POST', 'runs/set-tag', { run_id: runId, key: 'long', value: sixty })).status).toBe(
      200,
    );
    expect((await s.call('POST', 'registered-models/create', { name: sixty })).status).toBe(200);
    const hostile = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const simple = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const like = '%a%a%a%a%a%a%a%a%a%a%a%a%b';
    const list = Array.from({ length: 27 }, (_, i) => `'v${i}'`).join(', ');
    const slow: [string, string, string?][] = [
      ['POST', `${API}/experiments/search`, json({ filter: `name LIKE '${like}'` })],
      [
        'POST',
        `${API}/experiments/search`,
        json({ filter: `name ILIKE '${like}' AND tags.x LIKE '${like}'` }),
      ],
      ['GET', `${API}/registered-models/search${query({ filter: `name IN (${list}` })}`],
      ['GET', `${API}/model-versions/search${query({ filter: `name IN (${list}` })}`],
      ['GET', `${API}/registered-models/search${query({ filter: `name LIKE '${like}'` })}`],
      ['POST', `${API}/runs/search`, json({ experiment_ids: [exp], filter: `tags.long LIKE '${like}'` })],
      ['POST', `${API}/runs/search`, json({ experiment_ids: [exp], filter: `tags.long ILIKE '${like}'` })],
      ['GET', `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${'a/'.repeat(2000)}x`],
    ];
    const hostileRuns = (async () => {
      const answers: Answer[] = [];
      for (let round = 0; round < 3; round++)
        for (const [method, p, body] of slow) answers.push(await raw(method, p, body, hostile));
      return answers;
    })();
    const simpleTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await raw('GET', `${API}/experiments/get?experiment_id=0`, undefined, simple);
      expect(r.status).toBe(200);
      simpleTimes.push(r.ms);
    }
    const answers = await hostileRuns;
    hostile.destroy();
    simple.destroy();
    expect(Math.max(...simpleTimes)).toBeLessThan(1000);
    for (const a of answers) {
      expect(a.status, a.body.slice(0, 300)).toBeLessThan(500);
      expect(a.ms).toBeLessThan(1000);
    }
  });
});
