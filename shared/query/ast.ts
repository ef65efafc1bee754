/** The tree a filter parses to; every node keeps its offsets in the text, [start, end). */

export interface Span {
  start: number;
  end: number;
}

/** A field as written: `metrics.rmse` is group `metric`, key `rmse`; a bare `name` is an attribute. */
export interface FieldRef extends Span {
  kind: 'field';
  /** The canonical group of the field set (`metric`, `tag`, `attribute`...). */
  group: string;
  /** The key, unquoted; for attributes the canonical name. */
  key: string;
  /** The field as written. */
  text: string;
}

export type QueryValue =
  | (Span & { kind: 'string'; value: string })
  | (Span & { kind: 'number'; value: number; text: string })
  | (Span & { kind: 'list'; items: string[] })
  | (Span & { kind: 'null' });

export interface QueryComparison extends Span {
  kind: 'compare';
  field: FieldRef;
  /** Canonical: = != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL. */
  op: QueryOp;
  value: QueryValue;
}

export type QueryOp =
  '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

export type QueryExpr =
  | QueryComparison
  | (Span & { kind: 'and'; items: QueryExpr[] })
  | (Span & { kind: 'or'; items: QueryExpr[] });

/** Every comparison of a tree, left to right. */
export function comparisons(expr: QueryExpr | null): QueryComparison[] {
  if (!expr) return [];
  if (expr.kind === 'compare') return [expr];
  return expr.items.flatMap(comparisons);
}
