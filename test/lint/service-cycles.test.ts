import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No import cycle between services. The boundary rule (eslint, lakebench/service-boundaries) makes a service's
 * public module the only way in; this checks that those ways, followed at run time, never lead back to where
 * they started. Type-only imports do not count: they vanish when compiled.
 */
const CORE = path.join(process.cwd(), 'electron', 'core');

function serviceFolders(): string[] {
  return readdirSync(CORE, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Value imports of a file: `import x from`, `import { a }`, `export ... from`, `import('...')`; not `import type`. */
function valueImports(source: string): string[] {
  const out: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(statement)) {
    if (m[2]) continue;
    // `import { type A, type B } from`: nothing of it is left at run time.
    const names = /^\{([^}]*)\}$/.exec(m[3].trim());
    if (names && names[1].split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    out.push(m[4]);
  }
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

function serviceGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const folders = new Set(serviceFolders());
  for (const service of folders) {
    const edges = new Set<string>();
    for (const file of filesOf(path.join(CORE, service))) {
      for (const spec of valueImports(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const rel = path.relative(CORE, path.resolve(path.dirname(file), spec));
        const [target, ...rest] = rel.split(path.sep);
        if (rel.startsWith('..') || target === service || !folders.has(target)) continue;
        // Only what goes through the public module: an internal import is the lint rule's to refuse.
        const inner = rest.join('/').replace(/\.tsx?$/, '');
        if (inner === '' || inner === 'index') edges.add(target);
      }
    }
    graph.set(service, edges);
  }
  return graph;
}

function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'visiting') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...trail, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return null;
}

describe('services', () => {
  it('import each other through their public modules without a cycle', () => {
    const graph = serviceGraph();
    expect(graph.has('workspace')).toBe(true);
    expect(findCycle(graph)).toBeNull();
  });

  it('has a cycle check that finds a cycle', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
    expect(
      valueImports(
        "import type { A } from '../a';\nimport { type B } from '../b';\nimport { c } from '../c';\n",
      ),
    ).toEqual(['../c']);
  });
});
