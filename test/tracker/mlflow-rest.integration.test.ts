import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackerServer, type TrackerServer } from './helpers';

let s: TrackerServer;

beforeAll(async () => {
  s = await startTrackerServer();
});
afterAll(async () => {
  await s.close();
});

async function newExperiment(name: string): Promise<string> {
  const r = await s.call('POST', 'experiments/create', { name });
  expect(r.status).toBe(200);
  return r.json.experiment_id as string;
}

async function newRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await s.call('POST', 'runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
    ...extra,
  });
  expect(r.status).toBe(200);
  return ((r.json.run as { info: { run_id: string } }).info.run_id as string) ?? '';
}

describe('MLflow experiments endpoints', () => {
  it('creates, gets by id and name, searches, renames, tags, deletes and restores', async () => {
    const id = await newExperiment('exp-a');
    expect(id).toMatch(/^\d+$/);
    const got = await s.call('GET', 'experiments/get', { experiment_id: id });
    expect(got.status).toBe(200);
    expect(got.json.experiment).toMatchObject({
      experiment_id: id,
      name: 'exp-a',
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
    });
    const byName = await s.call('GET', 'experiments/get-by-name', { experiment_name: 'exp-a' });
    expect((byName.json.experiment as { experiment_id: string }).experiment_id).toBe(id);

    expect(
      (
        await s.call('POST', 'experiments/set-experiment-tag', {
          experiment_id: id,
          key: 'team',
          value: 'ml',
        })
      ).status,
    ).toBe(200);
    const search = await s.call('POST', 'experiments/search', {
      filter: "name = 'exp-a'",
      max_results: 1000,
      view_type: 'ACTIVE_ONLY',
    });
    expect(search.json.experiments).toEqual([
      expect.objectContaining({ name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] }),
    ]);
    const byTag = await s.call('POST', 'experiments/search', { filter: "tags.team = 'ml'" });
    expect((byTag.json.experiments as unknown[]).length).toBe(1);

    expect(
      (await s.call('POST', 'experiments/update', { experiment_id: id, new_name: 'exp-a2' })).status,
    ).toBe(200);
    expect((await s.call('POST', 'experiments/delete', { experiment_id: id })).status).toBe(200);
    const deleted = await s.call('GET', 'experiments/get', { experiment_id: id });
    expect((deleted.json.experiment as { lifecycle_stage: string }).lifecycle_stage).toBe('deleted');
    const active = await s.call('POST', 'experiments/search', { filter: "name = 'exp-a2'" });
    expect(active.json.experiments).toBeUndefined();
    expect((await s.call('POST', 'experiments/restore', { experiment_id: id })).status).toBe(200);
    const all = await s.call('GET', 'experiments/search', { max_results: 1000 });
    expect((all.json.experiments as { name: string }[]).map((e) => e.name)).toContain('exp-a2');
    // The same routes answer under /ajax-api, as MLflow's own server does.
    const ajax = await fetch(`${s.base}/ajax-api/2.0/mlflow/experiments/get?experiment_id=${id}`, {
      headers: { authorization: `Bearer ${s.server.token}` },
    });
    expect(ajax.status).toBe(200);
  });

  it('answers errors with MLflow codes and statuses', async () => {
    await newExperiment('exp-dup');
    const dup = await s.call('POST', 'experiments/create', { name: 'exp-dup' });
    expect(dup.status).toBe(400);
    expect(dup.json).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: expect.stringContaining('Experiment(name=exp-dup) already exists'),
    });
    const noName = await s.call('POST', 'experiments/create', {});
    expect(noName.status).toBe(400);
    expect(noName.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(noName.json.message).toContain("Missing value for required parameter 'name'");
    const missing = await s.call('GET', 'experiments/get', { experiment_id: '987654321' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'No Experiment with id=987654321 exists',
    });
    const missingName = await s.call('GET', 'experiments/get-by-name', { experiment_name: 'nope' });
    expect(missingName.status).toBe(404);
    expect(missingName.json.message).toBe("Could not find experiment with name 'nope'");
    const malformed = await s.call('POST', 'experiments/create', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error_code).toBe('MALFORMED_REQUEST');
    const wrongType = await s.call('POST', 'experiments/create', { name: ['x'] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.message).toContain("for parameter 'name' supplied");
    const unknown = await s.call('POST', 'experiments/frobnicate', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.error_code).toBe('ENDPOINT_NOT_FOUND');
    const wrongMethod = await s.call('GET', 'experiments/create', {});
    expect(wrongMethod.status).toBe(405);
  });
});

describe('MLflow runs endpoints', () => {
  it('creates a run, logs params, metrics (NaN and infinities too), tags and inputs, and reads them back', async () => {
    const exp = await newExperiment('runs-a');
    const run = await s.call('POST', 'runs/create', {
      experiment_id: exp,
      user_id: 'ana',
      run_name: 'first',
      start_time: 1_700_000_000_000,
      tags: [
        { key: 'mlflow.source.name', value: 'train.py' },
        { key: 'team', value: 'ml' },
      ],
    });
    const info = (run.json.run as { info: Record<string, unknown> }).info;
    expect(info).toMatchObject({
      experiment_id: exp,
      run_name: 'first',
      user_id: 'ana',
      status: 'RUNNING',
      lifecycle_stage: 'active',
    });
    const runId = info.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${runId}/artifacts`);

    expect(
      (await s.call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.1' })).status,
    ).toBe(200);
    // Logging the same value again is fine; a different one is refused.
    expect(
      (await s.call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.1' })).status,
    ).toBe(200);
    const changed = await s.call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.2' });
    expect(changed.status).toBe(400);
    expect(changed.json.message).toContain(
      "Changing param values is not allowed. Param with key='alpha' was already logged with value='0.1'",
    );

    for (const [step, value] of [
      [0, 1.0],
      [1, 0.8],
      [2, 0.5],
    ] as const)
      expect(
        (
          await s.call('POST', 'runs/log-metric', {
            run_id: runId,
            key: 'loss',
            value,
            timestamp: 1_700_000_000_000 + step * 1000,
            step,
          })
        ).status,
      ).toBe(200);
    const batch = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'odd', value: 'NaN', timestamp: 1, step: 0 },
        { key: 'odd', value: 'Infinity', timestamp: 2, step: 1 },
        { key: 'odd', value: '-Infinity', timestamp: 3, step: 2 },
      ],
      params: [{ key: 'solver', value: 'adam' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    expect(batch.status).toBe(200);
    expect((await s.call('POST', 'runs/set-tag', { run_id: runId, key: 't_tmp', value: 'x' })).status).toBe(
      200,
    );
    expect((await s.call('POST', 'runs/delete-tag', { run_id: runId, key: 't_tmp' })).status).toBe(200);
    const noTag = await s.call('POST', 'runs/delete-tag', { run_id: runId, key: 't_missing' });
    expect(noTag.status).toBe(404);
    expect(noTag.json.message).toBe(`No tag with name: t_missing in run with id ${runId}`);
    const inputs = await s.call('POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'trips', digest: 'abc', source_type: 'local', source: 'trips.csv' },
        },
      ],
    });
    expect(inputs.status).toBe(200);

    const logged = await s.call('POST', 'runs/log-model', {
      run_id: runId,
      model_json: JSON.stringify({ artifact_path: 'model', flavors: { sklearn: {} } }),
    });
    expect(logged.status).toBe(200);
    expect((await s.call('POST', 'runs/log-model', { run_id: runId, model_json: '{' })).status).toBe(400);
    const got = await s.call('GET', 'runs/get', { run_id: runId });
    const data = (got.json.run as { data: Record<string, { key: string; value: unknown }[]> }).data;
    expect(data.params).toEqual(
      expect.arrayContaining([
        { key: 'alpha', value: '0.1' },
        { key: 'solver', value: 'adam' },
      ]),
    );
    expect(data.metrics.find((m) => m.key === 'loss')).toMatchObject({ value: 0.5, step: 2 });
    expect(data.metrics.find((m) => m.key === 'odd')).toMatchObject({ value: '-Infinity', step: 2 });
    expect(data.tags.map((t) => t.key)).toEqual(expect.arrayContaining(['team', 'stage', 'mlflow.runName']));
    expect(data.tags.map((t) => t.key)).not.toContain('t_tmp');
    expect(JSON.parse(data.tags.find((t) => t.key === 'mlflow.log-model.history')!.value as string)).toEqual([
      { artifact_path: 'model', flavors: { sklearn: {} } },
    ]);
    expect((got.json.run as { inputs: { dataset_inputs: unknown[] } }).inputs.dataset_inputs).toEqual([
      expect.objectContaining({ dataset: expect.objectContaining({ name: 'trips', digest: 'abc' }) }),
    ]);

    const hist = await s.call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'odd' });
    expect((hist.json.metrics as { value: unknown }[]).map((m) => m.value)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
    ]);

    const upd = await s.call('POST', 'runs/update', {
      run_id: runId,
      status: 'FINISHED',
      end_time: 1_700_000_009_000,
    });
    expect(upd.json.run_info).toMatchObject({ status: 'FINISHED', end_time: 1_700_000_009_000 });
    const badStatus = await s.call('POST', 'runs/update', { run_id: runId, status: 'DONE' });
    expect(badStatus.status).toBe(400);

    expect((await s.call('POST', 'runs/delete', { run_id: runId })).status).toBe(200);
    const afterDelete = await s.call('GET', 'runs/get', { run_id: runId });
    expect((afterDelete.json.run as { info: { lifecycle_stage: string } }).info.lifecycle_stage).toBe(
      'deleted',
    );
    const toDeleted = await s.call('POST', 'runs/log-metric', {
      run_id: runId,
      key: 'x',
      value: 1,
      timestamp: 1,
    });
    expect(toDeleted.status).toBe(400);
    expect((await s.call('POST', 'runs/restore', { run_id: runId })).status).toBe(200);
  });

  it('pages metric histories', async () => {
    const exp = await newExperiment('hist');
    const runId = await newRun(exp);
    const metrics = Array.from({ length: 250 }, (_, i) => ({
      key: 'm',
      value: i,
      timestamp: 1000 + i,
      step: i,
    }));
    expect((await s.call('POST', 'runs/log-batch', { run_id: runId, metrics })).status).toBe(200);
    const seen: number[] = [];
    let token: string | undefined;
    do {
      const page = await s.call('GET', 'metrics/get-history', {
        run_id: runId,
        metric_key: 'm',
        max_results: 100,
        ...(token ? { page_token: token } : {}),
      });
      expect(page.status).toBe(200);
      seen.push(...(page.json.metrics as { value: number }[]).map((m) => m.value));
      token = page.json.next_page_token as string | undefined;
    } while (token);
    expect(seen).toEqual(metrics.map((m) => m.value));
  });

  it('refuses batches over the limits and stores nothing of a rejected batch', async () => {
    const exp = await newExperiment('limits');
    const runId = await newRun(exp);
    const tooMany = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
    });
    const params = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })),
    });
    expect(params.json.message).toContain('at most 100 params. Got 101');
    const tags = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })),
    });
    expect(tags.json.message).toContain('at most 100 tags. Got 101');
    const longValue = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      params: [{ key: 'long', value: 'x'.repeat(6001) }],
    });
    expect(longValue.status).toBe(400);
    expect(longValue.json.message).toContain('exceeded length limit of 6000');
    // A valid metric next to a bad one: neither is stored.
    const mixed = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'good', value: 1, timestamp: 1, step: 0 },
        { key: 'bad', value: 'high', timestamp: 1, step: 0 },
      ],
    });
    expect(mixed.status).toBe(400);
    expect(mixed.json.message).toContain('Got invalid value "high" for metric \'bad\'');
    await s.call('POST', 'runs/log-parameter', { run_id: runId, key: 'fixed', value: '1' });
    const conflict = await s.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'good', value: 1, timestamp: 1, step: 0 }],
      params: [{ key: 'fixed', value: '2' }],
    });
    expect(conflict.status).toBe(400);
    const run = await s.call('GET', 'runs/get', { run_id: runId });
    expect((run.json.run as { data: { metrics?: unknown } }).data.metrics).toBeUndefined();
    const badName = await s.call('POST', 'runs/log-metric', {
      run_id: runId,
      key: '../up',
      value: 1,
      timestamp: 1,
    });
    expect(badName.status).toBe(400);
    const unknownRun = await s.call('GET', 'runs/get', { run_id: '80967f5c822047a1af4891abbf27f96f' });
    expect(unknownRun.status).toBe(404);
    expect(unknownRun.json.message).toBe('Run with id=80967f5c822047a1af4891abbf27f96f not found');
    const noRunId = await s.call('POST', 'runs/log-batch', { metrics: [] });
    expect(noRunId.json.message).toContain("Missing value for required parameter 'run_id'");
  });

  it("stores every point of full batches that interleave keys out of order, keeping each key's latest", async () => {
    const exp = await newExperiment('interleaved');
    const runId = await newRun(exp);
    const keys = ['loss', 'acc', 'lr'];
    // 1000 points (whole multi-row inserts) then 37 (the rest one by one); steps run backwards for 'acc'.
    const points = Array.from({ length: 1037 }, (_, i) => {
      const key = keys[i % 3];
      const n = Math.floor(i / 3);
      const step = key === 'acc' ? 1000 - n : n;
      const value = i === 30 ? 'NaN' : i === 31 ? 'Infinity' : i === 32 ? '-Infinity' : n / 7;
      return { key, value, timestamp: 1_700_000_000_000 + i, step };
    });
    const first = await s.call('POST', 'runs/log-batch', { run_id: runId, metrics: points.slice(0, 1000) });
    expect(first.status).toBe(200);
    // An exact duplicate is one point, as in MLflow; the same step with another value is a second point.
    const rest = [...points.slice(1000), points[0], { ...points[3], value: -1 }];
    expect((await s.call('POST', 'runs/log-batch', { run_id: runId, metrics: rest })).status).toBe(200);
    for (const key of keys) {
      const expected = [
        ...points.filter((p) => p.key === key),
        ...(key === 'loss' ? [{ ...points[3], value: -1 }] : []),
      ]
        .map((p) => ({ key, value: p.value, timestamp: p.timestamp, step: p.step }))
        .sort(
          // The store orders by step, then timestamp, then value.
          (a, b) => a.step - b.step || a.timestamp - b.timestamp || Number(a.value) - Number(b.value),
        );
      const hist = await s.call('GET', 'metrics/get-history', { run_id: runId, metric_key: key });
      expect(hist.status).toBe(200);
      expect(hist.json.metrics).toEqual(expected);
    }
    const run = await s.call('GET', 'runs/get', { run_id: runId });
    const latest = (run.json.run as { data: { metrics: { key: string; step: number; value: unknown }[] } })
      .data.metrics;
    expect(latest.find((m) => m.key === 'loss')).toMatchObject({ step: 345, value: 345 / 7 });
    expect(latest.find((m) => m.key === 'acc')).toMatchObject({ step: 1000, value: 0 });
    expect(latest.find((m) => m.key === 'lr')).toMatchObject({ step: 344, value: 344 / 7 });
  });

  it('stores nothing of a full batch whose last point is bad', async () => {
    const exp = await newExperiment('late-error');
    const runId = await newRun(exp);
    const metrics: Record<string, unknown>[] = Array.from({ length: 1000 }, (_, i) => ({
      key: `m${i % 4}`,
      value: i,
      timestamp: 1,
      step: i,
    }));
    metrics[999] = { key: 'm3', value: 1, timestamp: 1, step: 'x' };
    const bad = await s.call('POST', 'runs/log-batch', { run_id: runId, metrics });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Got invalid step "x" for metric \'m3\'. Step must be an integer',
    });
    metrics[999] = { key: 'm3', value: 1, timestamp: 'soon', step: 999 };
    const badTime = await s.call('POST', 'runs/log-batch', { run_id: runId, metrics });
    expect(badTime.json.message).toBe(
      'Got invalid timestamp "soon" for metric \'m3\'. Timestamp must be an integer',
    );
    metrics[999] = { key: 'bad key!', value: 1, timestamp: 1, step: 999 };
    const badKey = await s.call('POST', 'runs/log-batch', { run_id: runId, metrics });
    expect(badKey.json.message).toContain("Invalid metric name: 'bad key!'");
    const run = await s.call('GET', 'runs/get', { run_id: runId });
    expect((run.json.run as { data: { metrics?: unknown } }).data.metrics).toBeUndefined();
    const hist = await s.call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'm0' });
    expect(hist.json.metrics).toBeUndefined();
  });

  it('answers a body declared over 64 MiB with a clear error before reading it', async () => {
    const url = new URL(`${s.base}/api/2.0/mlflow/runs/log-batch`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${s.server.token}`,
            'content-type': 'application/json',
            'content-length': String(65 * 1024 * 1024),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('{"run_id": "');
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'The request body exceeds 67108864 bytes.',
    });
  });

  it('searches with MLflow filters, OR and parentheses, order_by and page tokens', async () => {
    const exp = await newExperiment('search');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await newRun(exp, { run_name: `r${i}`, start_time: 1_000 + i });
      ids.push(id);
      await s.call('POST', 'runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'rmse', value: i / 10, timestamp: 1, step: 0 }],
        params: [{ key: 'alpha', value: i % 2 ? '0.1' : '1.0' }],
        tags: [{ key: 'team', value: i < 3 ? 'ml-core' : 'data' }],
      });
      if (i < 4) await s.call('POST', 'runs/update', { run_id: id, status: 'FINISHED' });
    }
    const names = (r: { json: Record<string, unknown> }) =>
      ((r.json.runs as { info: { run_name: string } }[] | undefined) ?? []).map((x) => x.info.run_name);
    const mlflowFilter = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      filter:
        "metrics.rmse < 0.5 and params.alpha = '0.1' and tags.team LIKE 'ml%' and attributes.status = 'FINISHED'",
      order_by: ['metrics.rmse ASC'],
    });
    expect(names(mlflowFilter)).toEqual(['r1']);
    const orFilter = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      filter: "(params.alpha = '0.1' and metrics.rmse > 0.2) or tags.team ILIKE 'ML-%'",
      order_by: ['metrics.rmse DESC'],
    });
    expect(names(orFilter)).toEqual(['r5', 'r3', 'r2', 'r1', 'r0']);
    const inFilter = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      filter: `attributes.run_id IN ('${ids[0]}', '${ids[4]}')`,
    });
    expect(names(inFilter).sort()).toEqual(['r0', 'r4']);
    const page1 = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      max_results: 4,
      order_by: ['attributes.start_time ASC'],
    });
    expect(names(page1)).toEqual(['r0', 'r1', 'r2', 'r3']);
    const page2 = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      max_results: 4,
      order_by: ['attributes.start_time ASC'],
      page_token: page1.json.next_page_token,
    });
    expect(names(page2)).toEqual(['r4', 'r5']);
    expect(page2.json.next_page_token).toBeUndefined();
    const bad = await s.call('POST', 'runs/search', { experiment_ids: [exp], filter: 'metrics.rmse < ' });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.json.message).toMatch(/column \d+/);
    const badType = await s.call('POST', 'runs/search', {
      experiment_ids: [exp],
      filter: 'params.alpha = 0.1',
    });
    expect(badType.status).toBe(400);
    expect(badType.json.message).toContain('must be a quoted string');
    const tooMany = await s.call('POST', 'runs/search', { experiment_ids: [exp], max_results: 50001 });
    expect(tooMany.status).toBe(400);
  });
});

describe('MLflow model registry endpoints', () => {
  it('covers models, versions, stages, aliases, tags, search and deletes', async () => {
    const exp = await newExperiment('reg');
    const runId = await newRun(exp);
    const source = `mlflow-artifacts:/${exp}/${runId}/artifacts/model`;
    const created = await s.call('POST', 'registered-models/create', {
      name: 'm1',
      tags: [{ key: 'owner', value: 'acc' }],
      description: 'example model',
    });
    expect(created.json.registered_model).toMatchObject({
      name: 'm1',
      description: 'example model',
      tags: [{ key: 'owner', value: 'acc' }],
    });
    const dup = await s.call('POST', 'registered-models/create', { name: 'm1' });
    expect(dup.status).toBe(400);
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const v1 = await s.call('POST', 'model-versions/create', {
      name: 'm1',
      source,
      run_id: runId,
      tags: [{ key: 'v', value: '1' }],
      description: 'first',
    });
    expect(v1.json.model_version).toMatchObject({
      name: 'm1',
      version: '1',
      current_stage: 'None',
      source,
      run_id: runId,
      status: 'READY',
    });
    await s.call('POST', 'model-versions/create', { name: 'm1', source, run_id: runId });
    const v2get = await s.call('GET', 'model-versions/get', { name: 'm1', version: '2' });
    expect((v2get.json.model_version as { version: string }).version).toBe('2');
    const missingVersion = await s.call('GET', 'model-versions/get', { name: 'm1', version: '99' });
    expect(missingVersion.status).toBe(404);
    expect(missingVersion.json.message).toBe('Model Version (name=m1, version=99) not found');

    const upd = await s.call('PATCH', 'model-versions/update', {
      name: 'm1',
      version: '1',
      description: 'updated v1',
    });
    expect((upd.json.model_version as { description: string }).description).toBe('updated v1');
    expect(
      (
        await s.call('POST', 'model-versions/set-tag', {
          name: 'm1',
          version: '1',
          key: 'quality',
          value: 'good',
        })
      ).status,
    ).toBe(200);
    expect(
      (await s.call('DELETE', 'model-versions/delete-tag', { name: 'm1', version: '1', key: 'quality' }))
        .status,
    ).toBe(200);

    const staging = await s.call('POST', 'model-versions/transition-stage', {
      name: 'm1',
      version: '1',
      stage: 'staging',
      archive_existing_versions: false,
    });
    expect((staging.json.model_version as { current_stage: string }).current_stage).toBe('Staging');
    await s.call('POST', 'model-versions/transition-stage', {
      name: 'm1',
      version: '1',
      stage: 'Production',
      archive_existing_versions: false,
    });
    await s.call('POST', 'model-versions/transition-stage', {
      name: 'm1',
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    });
    const v1after = await s.call('GET', 'model-versions/get', { name: 'm1', version: '1' });
    expect((v1after.json.model_version as { current_stage: string }).current_stage).toBe('Archived');
    const badStage = await s.call('POST', 'model-versions/transition-stage', {
      name: 'm1',
      version: '1',
      stage: 'Prod',
      archive_existing_versions: false,
    });
    expect(badStage.status).toBe(400);
    const latest = await s.call('POST', 'registered-models/get-latest-versions', {
      name: 'm1',
      stages: ['Production'],
    });
    expect((latest.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual(['2']);

    expect(
      (await s.call('POST', 'registered-models/alias', { name: 'm1', alias: 'champion', version: '2' }))
        .status,
    ).toBe(200);
    const byAlias = await s.call('GET', 'registered-models/alias', { name: 'm1', alias: 'champion' });
    expect(byAlias.json.model_version).toMatchObject({ version: '2', aliases: ['champion'] });
    const noAlias = await s.call('GET', 'registered-models/alias', { name: 'm1', alias: 'challenger' });
    expect(noAlias.status).toBe(400);
    expect(noAlias.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias challenger not found.',
    });
    expect(
      (await s.call('DELETE', 'registered-models/alias', { name: 'm1', alias: 'champion' })).status,
    ).toBe(200);

    expect(
      (await s.call('POST', 'registered-models/set-tag', { name: 'm1', key: 'domain', value: 'tabular' }))
        .status,
    ).toBe(200);
    expect(
      (await s.call('DELETE', 'registered-models/delete-tag', { name: 'm1', key: 'domain' })).status,
    ).toBe(200);
    const upd2 = await s.call('PATCH', 'registered-models/update', {
      name: 'm1',
      description: 'updated model',
    });
    expect((upd2.json.registered_model as { description: string }).description).toBe('updated model');
    const search = await s.call('GET', 'registered-models/search', {
      filter: "name = 'm1'",
      max_results: 100,
    });
    expect((search.json.registered_models as { name: string; latest_versions: unknown[] }[])[0].name).toBe(
      'm1',
    );
    const mvs = await s.call('GET', 'model-versions/search', { filter: "name = 'm1'", max_results: 10000 });
    expect((mvs.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual(['2', '1']);
    const byRun = await s.call('GET', 'model-versions/search', { filter: `run_id = '${runId}'` });
    expect((byRun.json.model_versions as unknown[]).length).toBe(2);
    const uri = await s.call('GET', 'model-versions/get-download-uri', { name: 'm1', version: '1' });
    expect(uri.json.artifact_uri).toBe(source);

    const renamed = await s.call('POST', 'registered-models/rename', { name: 'm1', new_name: 'm2' });
    expect((renamed.json.registered_model as { name: string }).name).toBe('m2');
    const old = await s.call('GET', 'registered-models/get', { name: 'm1' });
    expect(old.status).toBe(404);
    expect(old.json.message).toBe('Registered Model with name=m1 not found');
    const kept = await s.call('GET', 'model-versions/get', { name: 'm2', version: '1' });
    expect(kept.status).toBe(200);
    expect((await s.call('DELETE', 'model-versions/delete', { name: 'm2', version: '2' })).status).toBe(200);
    expect((await s.call('GET', 'model-versions/get', { name: 'm2', version: '2' })).status).toBe(404);
    expect((await s.call('DELETE', 'registered-models/delete', { name: 'm2' })).status).toBe(200);
    expect((await s.call('GET', 'registered-models/get', { name: 'm2' })).status).toBe(404);
  });
});

describe('MLflow artifact proxy', () => {
  function raw(method: string, rawPath: string, body?: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.server.port,
          method,
          path: rawPath,
          headers: { authorization: `Bearer ${s.server.token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('uploads, lists and downloads, and refuses paths that leave the run', async () => {
    const exp = await newExperiment('arts');
    const runId = await newRun(exp);
    const base = `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts`;
    expect((await raw('PUT', `${base}/sub/hello.txt`, Buffer.from('hello artifact'))).status).toBe(200);
    expect((await raw('PUT', `${base}/config.json`, Buffer.from('{"a": 1}'))).status).toBe(200);
    const onDisk = path.join(
      s.workspace,
      '.lakebench',
      'artifacts',
      exp,
      runId,
      'artifacts',
      'sub',
      'hello.txt',
    );
    expect(await readFile(onDisk, 'utf8')).toBe('hello artifact');
    const list = await raw(
      'GET',
      `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${exp}/${runId}/artifacts`)}`,
    );
    expect(JSON.parse(list.body)).toEqual({
      files: [
        { path: 'config.json', is_dir: false, file_size: 8 },
        { path: 'sub', is_dir: true },
      ],
    });
    const sub = await raw(
      'GET',
      `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${exp}/${runId}/artifacts/sub`)}`,
    );
    expect(JSON.parse(sub.body).files).toEqual([{ path: 'hello.txt', is_dir: false, file_size: 14 }]);
    const down = await raw('GET', `${base}/sub/hello.txt`);
    expect(down).toEqual({ status: 200, body: 'hello artifact' });
    const listRun = await s.call('GET', 'artifacts/list', { run_id: runId, path: 'sub' });
    expect(listRun.json.files).toEqual([{ path: 'sub/hello.txt', is_dir: false, file_size: 14 }]);

    for (const bad of [
      `${base}/../../../secret.txt`,
      `${base}/%2e%2e/%2e%2e/x.txt`,
      `${base}/sub/..%2F..%2F..%2Fx.txt`,
      `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/other/x.txt`,
    ]) {
      const r = await raw('PUT', bad, Buffer.from('evil'));
      expect(r.status, bad).toBe(400);
      expect(JSON.parse(r.body).error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(existsSync(path.join(s.workspace, '.lakebench', 'artifacts', 'secret.txt'))).toBe(false);
    const otherRun = await raw(
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${exp}/${'0'.repeat(32)}/artifacts/x.txt`,
      Buffer.from('x'),
    );
    expect(otherRun.status).toBe(404);
    const noToken = await fetch(`${s.base}${base}/sub/hello.txt`);
    expect(noToken.status).toBe(401);
    const foreign = await fetch(`${s.base}/api/2.0/mlflow/experiments/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.server.token}`, origin: 'http://evil.example' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
  });
});

describe('concurrent logging', () => {
  it('loses no metric point when eight processes log to one run each at once', async () => {
    const exp = await newExperiment('eight');
    const runIds = await Promise.all(Array.from({ length: 8 }, () => newRun(exp)));
    const perProcess = 5000;
    const script = `
      const [base, token, runId, n] = process.argv.slice(1);
      (async () => {
        for (let start = 0; start < Number(n); start += 500) {
          const metrics = [];
          for (let i = start; i < Math.min(Number(n), start + 500); i++)
            metrics.push({ key: 'loss', value: i, timestamp: Date.now(), step: i }, { key: 'acc', value: i / n, timestamp: Date.now(), step: i });
          const r = await fetch(base + '/api/2.0/mlflow/runs/log-batch', {
            method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
            body: JSON.stringify({ run_id: runId, metrics }),
          });
          if (r.status !== 200) { console.error(await r.text()); process.exit(1); }
        }
      })();`;
    const codes = await Promise.all(
      runIds.map(
        (runId) =>
          new Promise<number>((resolve) => {
            const child = spawn(
              process.execPath,
              ['-e', script, s.base, s.server.token, runId, String(perProcess)],
              {
                stdio: ['ignore', 'ignore', 'inherit'],
              },
            );
            child.on('exit', (code) => resolve(code ?? -1));
          }),
      ),
    );
    expect(codes).toEqual(Array(8).fill(0));
    for (const runId of runIds) {
      expect(s.core.tracker.metricCount(runId, 'loss')).toBe(perProcess);
      expect(s.core.tracker.metricCount(runId, 'acc')).toBe(perProcess);
      const run = s.core.tracker.getRun(runId);
      expect(run.metrics.loss.value).toBe(perProcess - 1);
    }
  }, 120_000);
});
