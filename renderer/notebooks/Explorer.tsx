import {
  ChevronDown,
  ChevronRight,
  File,
  FileText,
  Folder,
  FolderOpen,
  NotebookText,
  Plus,
  RefreshCw,
} from 'lucide-react';
import { useMemo, useState } from 'react';
import { askText } from '../common/Dialog';
import { useApp } from '../state/app';
import { testIds } from '../testids';
import { createNotebook, openNotebook } from './actions';
import { buildTree, type TreeNode } from './file-tree';
import { useNotebooks } from './store';

function FileIcon({ name }: { name: string }) {
  if (name.endsWith('.ipynb')) return <NotebookText size={14} className="file-icon nb" />;
  if (/\.(ya?ml|md|txt|sql|csv|json)$/i.test(name)) return <FileText size={14} className="file-icon" />;
  return <File size={14} className="file-icon" />;
}

function Node({
  node,
  depth,
  collapsed,
  toggle,
}: {
  node: TreeNode;
  depth: number;
  collapsed: Set<string>;
  toggle(p: string): void;
}) {
  const active = useNotebooks((s) => s.active);
  const pad = { paddingLeft: 8 + depth * 12 };
  if (node.kind === 'directory') {
    const closed = collapsed.has(node.path);
    return (
      <>
        <div
          className="tree-row"
          style={pad}
          data-testid={testIds.file(node.path)}
          onClick={() => toggle(node.path)}
          role="treeitem"
          aria-expanded={!closed}
        >
          {closed ? <ChevronRight size={14} /> : <ChevronDown size={14} />}
          {closed ? (
            <Folder size={14} className="file-icon dir" />
          ) : (
            <FolderOpen size={14} className="file-icon dir" />
          )}
          <span className="tree-name">{node.name}</span>
        </div>
        {!closed &&
          node.children.map((c) => (
            <Node key={c.path} node={c} depth={depth + 1} collapsed={collapsed} toggle={toggle} />
          ))}
      </>
    );
  }
  const isNotebook = node.name.endsWith('.ipynb');
  return (
    <div
      className={`tree-row${isNotebook ? '' : ' not-openable'}${active === node.path ? ' active' : ''}`}
      style={{ paddingLeft: 8 + depth * 12 + 14 }}
      data-testid={testIds.file(node.path)}
      role="treeitem"
      title={isNotebook ? node.path : `${node.path} (only notebooks open here for now)`}
      onClick={() => isNotebook && void openNotebook(node.path)}
    >
      <FileIcon name={node.name} />
      <span className="tree-name">{node.name}</span>
    </div>
  );
}

export async function promptNewNotebook(): Promise<void> {
  const name = await askText({
    title: 'New notebook',
    label: 'Name',
    placeholder: 'e.g. exploration',
    okLabel: 'Create',
    inputTestId: testIds.notebookNameInput,
    validate: (v) =>
      /[\\:*?"<>|]/.test(v)
        ? 'A name cannot contain \\ : * ? " < > |'
        : v.length > 200
          ? 'At most 200 characters'
          : null,
  });
  if (name) await createNotebook(name.replace(/\.ipynb$/i, ''));
}

export function Explorer() {
  const files = useApp((s) => s.files);
  const loading = useApp((s) => s.filesLoading);
  const refresh = useApp((s) => s.refreshFiles);
  const ws = useApp((s) => s.workspace);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const tree = useMemo(() => buildTree(files), [files]);
  const toggle = (p: string) =>
    setCollapsed((s) => {
      const n = new Set(s);
      if (n.has(p)) n.delete(p);
      else n.add(p);
      return n;
    });
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Explorer</span>
        <span className="spacer" />
        <button
          className="icon-btn"
          title="New notebook"
          aria-label="New notebook"
          data-testid={testIds.newNotebook}
          onClick={() => void promptNewNotebook()}
          disabled={!ws}
        >
          <Plus size={15} />
        </button>
        <button
          className="icon-btn"
          title="Refresh"
          aria-label="Refresh files"
          onClick={() => void refresh()}
          disabled={!ws}
        >
          <RefreshCw size={13} className={loading ? 'spin' : ''} />
        </button>
      </div>
      {ws && <div className="panel-subheader">{ws.name}</div>}
      <div className="tree" role="tree">
        {tree.map((n) => (
          <Node key={n.path} node={n} depth={0} collapsed={collapsed} toggle={toggle} />
        ))}
        {ws && !tree.length && !loading && (
          <div className="panel-empty">The workspace is empty. Create a notebook with +.</div>
        )}
      </div>
    </div>
  );
}
