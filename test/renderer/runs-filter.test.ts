import { describe, expect, it } from 'vitest';
import { applyCompletion, completionsAt, validateFilter } from '../../renderer/runs/filter-box';

const keys = {
  params: ['alpha', 'learning rate', 'max_depth'],
  metrics: ['rmse', 'r2', 'val_loss'],
  tags: ['team'],
  datasets: [],
};
const labels = (text: string, cursor = text.length) => completionsAt(text, cursor, keys).map((c) => c.label);

describe('the runs filter box', () => {
  it('accepts MLflow filters and OR with parentheses', () => {
    expect(validateFilter('')).toBeNull();
    expect(validateFilter("metrics.rmse < 0.5 and params.alpha = '0.1'")).toBeNull();
    expect(
      validateFilter("(params.alpha = '0.1' or params.alpha = '0.2') and attributes.status = 'FINISHED'"),
    ).toBeNull();
  });

  it('names the position of a fault', () => {
    const p = validateFilter("metrics.rmse < 0.5 and params.alpha < '0.1'");
    expect(p?.offset).toBe(36);
    expect(p?.message).toMatch(/column 37/);
    const open = validateFilter("(params.alpha = '1'");
    expect(open?.message).toMatch(/not closed/);
    expect(validateFilter('foo.bar = 1')?.offset).toBe(0);
  });

  it('offers the entity prefixes at the start', () => {
    expect(labels('')).toEqual(['metrics.', 'params.', 'tags.', 'attributes.', 'datasets.']);
    expect(labels('me')).toEqual(['metrics.']);
  });

  it('offers known keys after an entity, prefix matches first', () => {
    expect(labels('metrics.')).toEqual(['rmse', 'r2', 'val_loss']);
    expect(labels('metrics.r')).toEqual(['rmse', 'r2']);
    expect(labels('metrics.loss')).toEqual(['val_loss']);
    expect(labels('attributes.st')).toEqual(['status', 'start_time', 'lifecycle_stage']);
  });

  it('quotes keys with spaces when inserting them', () => {
    const c = completionsAt('params.lea', 10, keys)[0];
    expect(applyCompletion('params.lea', 10, c)).toEqual({ text: 'params.`learning rate` ', cursor: 23 });
  });

  it('offers number operators for metrics and string operators for params', () => {
    expect(labels('metrics.rmse ')).toEqual(['=', '!=', '<', '<=', '>', '>=']);
    expect(labels('params.alpha ')).toContain('LIKE');
    expect(labels('params.alpha ')).not.toContain('<');
  });

  it('offers statuses as values and AND/OR after a complete condition', () => {
    expect(labels('attributes.status = ')).toContain("'FINISHED'");
    expect(labels('metrics.rmse < 1 ')).toEqual(['AND', 'OR']);
  });

  it('completes at the cursor, leaving the text after it', () => {
    const text = "metrics.rm < 1 and params.alpha = '1'";
    const c = completionsAt(text, 10, keys);
    expect(c.map((x) => x.label)).toEqual(['rmse']);
    expect(applyCompletion(text, 10, c[0]).text).toBe("metrics.rmse  < 1 and params.alpha = '1'");
  });
});
