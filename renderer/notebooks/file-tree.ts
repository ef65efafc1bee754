import type { FileEntry } from '../../shared/api/contract';

export interface TreeNode {
  name: string;
  path: string;
  kind: 'file' | 'directory';
  children: TreeNode[];
}

/** The flat listing from the host as a tree: folders first, then files, each by name. */
export function buildTree(entries: readonly FileEntry[]): TreeNode[] {
  const root: TreeNode = { name: '', path: '', kind: 'directory', children: [] };
  const dirs = new Map<string, TreeNode>([['', root]]);
  const ensureDir = (path: string): TreeNode => {
    const found = dirs.get(path);
    if (found) return found;
    const slash = path.lastIndexOf('/');
    const parent = ensureDir(slash < 0 ? '' : path.slice(0, slash));
    const node: TreeNode = { name: path.slice(slash + 1), path, kind: 'directory', children: [] };
    parent.children.push(node);
    dirs.set(path, node);
    return node;
  };
  for (const e of entries) {
    const path = e.path.replace(/\/+$/, '');
    if (!path) continue;
    if (e.kind === 'directory') {
      ensureDir(path);
      continue;
    }
    const slash = path.lastIndexOf('/');
    const parent = ensureDir(slash < 0 ? '' : path.slice(0, slash));
    parent.children.push({ name: path.slice(slash + 1), path, kind: 'file', children: [] });
  }
  const sort = (n: TreeNode) => {
    n.children.sort((a, b) =>
      a.kind !== b.kind ? (a.kind === 'directory' ? -1 : 1) : a.name.localeCompare(b.name),
    );
    n.children.forEach(sort);
  };
  sort(root);
  return root.children;
}
