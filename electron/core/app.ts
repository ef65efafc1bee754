import path from 'node:path';
import os from 'node:os';
import type { WorkspaceInfo, coreRequests } from '../../shared/api/contract';
import {
  EventBus,
  createApiHost,
  sinkFor,
  type ApiHost,
  type RequestHandlers,
} from '../../shared/api/client';
import { LakebenchError } from '../../shared/errors';
import { kernelHandlers } from './kernels/handlers';
import { NotebookKernels } from './kernels/notebook-kernels';
import { Notebooks } from './notebooks';
import { Pipelines } from './pipelines';
import { pipelineHandlers } from './pipelines/handlers';
import { trackerTracking } from './pipelines/tracking';
import { Tracker, ensureSampleExperiment, trackerHandlers } from './tracker';
import { ensureSampleData } from './sample';
import { Warehouse } from './warehouse';
import { Workspace } from './workspace';

export interface CoreOptions {
  workspacePath: string;
  version: string;
  /** Check every result against the contract (tests). */
  validateResults?: boolean;
  /** Rows of the sample's generated trips table (tests use fewer). */
  sampleRows?: number;
  /** Run the pipeline scheduler (catchup on open, then schedules): the server and the desktop app do. */
  schedulePipelines?: boolean;
}

interface OpenWorkspace {
  workspace: Workspace;
  warehouse: Warehouse;
  notebooks: Notebooks;
  tracker: Tracker;
  pipelines: Pipelines;
  kernels: NotebookKernels;
}

/**
 * Lakebench's headless core: the open workspace and its services, and the API host that serves them. The
 * desktop app, the server, the CLI and the tests all run this same object.
 */
export class LakebenchCore {
  readonly bus = new EventBus();
  readonly host: ApiHost;
  private current: OpenWorkspace | null = null;
  private opening: Promise<WorkspaceInfo> | null = null;

  private constructor(private readonly options: CoreOptions) {
    this.host = createApiHost(this.handlers(), this.bus, {
      validateResults: options.validateResults ?? false,
    });
  }

  static async open(options: CoreOptions): Promise<LakebenchCore> {
    const core = new LakebenchCore(options);
    await core.openWorkspace(options.workspacePath);
    return core;
  }

  get workspace(): Workspace {
    return this.require().workspace;
  }

  get warehouse(): Warehouse {
    return this.require().warehouse;
  }

  get tracker(): Tracker {
    return this.require().tracker;
  }

  get pipelines(): Pipelines {
    return this.require().pipelines;
  }

  get kernels(): NotebookKernels {
    return this.require().kernels;
  }

  private require(): OpenWorkspace {
    if (!this.current) throw new LakebenchError('WORKSPACE_NOT_OPEN', 'no workspace is open');
    return this.current;
  }

  /**
   * Opens a workspace. The new one is checked and opened completely before the old one is closed, so a folder
   * that cannot be opened leaves the user where they were.
   */
  async openWorkspace(folder: string, create = true): Promise<WorkspaceInfo> {
    while (this.opening) await this.opening.catch(() => undefined);
    const root = path.resolve(folder.replace(/^~(?=$|\/)/, os.homedir()));
    if (this.current && this.current.workspace.root === root) return this.current.workspace.info();
    this.opening = this.doOpen(root, create);
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  private async doOpen(root: string, create: boolean): Promise<WorkspaceInfo> {
    const ws = await Workspace.open(root, { create });
    const warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'), {
      threads: ws.settings.warehouse.threads,
      memoryLimit: ws.settings.warehouse.memory_limit,
    });
    let tracker: Tracker;
    let pipelines: Pipelines;
    try {
      await ws.ensureLayout();
      if (ws.isSample) await ensureSampleData(warehouse, this.options.sampleRows);
      tracker = Tracker.open(ws.engineDir, this.bus);
      try {
        pipelines = Pipelines.open(ws, warehouse, this.bus, {
          tracking: trackerTracking(tracker, ws.engineDir),
        });
      } catch (err) {
        tracker.close();
        throw err;
      }
    } catch (err) {
      await warehouse.close();
      throw err;
    }
    const previous = this.current;
    const kernels = new NotebookKernels(ws, this.bus);
    this.current = { workspace: ws, warehouse, notebooks: new Notebooks(ws), tracker, pipelines, kernels };
    if (previous) {
      await previous.kernels.close();
      await previous.pipelines.close();
      previous.workspace.close();
      previous.tracker.close();
      await previous.warehouse.close();
    }
    ws.watch((paths) => this.bus.emit('workspace.onFilesChanged', { paths }));
    if (this.options.schedulePipelines) void pipelines.startScheduler().catch(() => undefined);
    const info = ws.info();
    this.bus.emit('workspace.onOpened', info);
    // The sample's runs are made in the background so the first start stays fast.
    if (ws.isSample) void ensureSampleExperiment(tracker, ws.root).catch(() => undefined);
    return info;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (!current) return;
    await current.kernels.close();
    await current.pipelines.close();
    current.workspace.close();
    current.tracker.close();
    await current.warehouse.close();
  }

  private handlers(): RequestHandlers {
    return {
      ...this.coreHandlers(),
      ...trackerHandlers(this),
      ...pipelineHandlers(this),
      ...kernelHandlers(this),
    };
  }

  private coreHandlers(): Pick<RequestHandlers, keyof typeof coreRequests> {
    return {
      'app.getInfo': async () => ({
        version: this.options.version,
        platform: process.platform,
        workspace: this.current ? this.current.workspace.info() : null,
      }),
      'workspace.open': async ({ path: folder, create }) => this.openWorkspace(folder, create),
      'workspace.getInfo': async () => this.require().workspace.info(),
      'workspace.listFiles': async () => this.require().workspace.listFiles(),
      'notebooks.create': async ({ name }) => this.require().notebooks.create(name),
      'notebooks.open': async ({ path: file }) => this.require().notebooks.open(file),
      'notebooks.stat': async ({ path: file }) => this.require().notebooks.stat(file),
      'notebooks.save': async ({ path: file, notebook, baseMtimeMs, force }) =>
        this.require().notebooks.save(file, notebook, baseMtimeMs, force),
      'notebooks.rename': async ({ from, to }) => this.require().notebooks.rename(from, to),
      'notebooks.delete': async ({ path: file }) => this.require().notebooks.delete(file),
      'warehouse.runQuery': async (args, ctx) =>
        this.require().warehouse.runQuery(args, sinkFor(this.bus, ctx.clientId)),
      'warehouse.cancelQuery': async ({ queryId }) => this.require().warehouse.cancelQuery(queryId),
      'warehouse.listTables': async () => this.require().warehouse.listTables(),
    };
  }
}
