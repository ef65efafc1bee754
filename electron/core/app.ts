import path from 'node:path';
import os from 'node:os';
import { appRequests, requestNames, type WorkspaceInfo } from '../../shared/api/contract';
import { EventBus, createApiHost, type ApiHost, type RequestHandlers } from '../../shared/api/client';
import type { EventPayload } from '../../shared/api/contract';
import { operationRequests } from '../../shared/api/operations';
import { kernelEvents, kernelRequests } from '../../shared/kernels/contract';
import { logsEvents, logsRequests } from '../../shared/logs/contract';
import { notebookEvents, notebookRequests } from '../../shared/notebook/contract';
import { pipelineEvents, pipelineRequests } from '../../shared/pipeline/contract';
import { trackerEvents, trackerRequests } from '../../shared/tracker/contract';
import { warehouseEvents, warehouseRequests } from '../../shared/warehouse/contract';
import { tablesEvents, tablesRequests } from '../../shared/tables/contract';
import { workspaceEvents, workspaceRequests } from '../../shared/workspace/contract';
import { LakebenchError, errorMessage } from '../../shared/errors';
import { kernelHandlers } from './kernels/handlers';
import { NotebookKernels } from './kernels';
import { LocalLogsService, retentionFromSettings, type LogsService } from './logs';
import { logsHandlers } from './logs/handlers';
import { Notebooks } from './notebooks';
import { notebookHandlers } from './notebooks/handlers';
import { OperationRegistry, follows } from './operations';
import { Pipelines, trackerTracking } from './pipelines';
import { pipelineHandlers } from './pipelines/handlers';
import { trackerHandlers } from './tracker/handlers';
import { Tracker, ensureSampleExperiment } from './tracker';
import { ensureSampleData } from './sample';
import { defineService, dependencyOrder, type ServiceContext, type ServiceDefinition } from './service';
import { Warehouse } from './warehouse';
import { warehouseHandlers } from './warehouse/handlers';
import { WorkspaceTables } from './tables';
import { tablesHandlers } from './tables/handlers';
import { Workspace } from './workspace';
import { workspaceHandlers } from './workspace/handlers';

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

// ---------------------------------------------------------------------------------------------------------
// The services, each behind its folder's public module. A new service is one folder and one entry in SERVICES.
// ---------------------------------------------------------------------------------------------------------

export const workspaceService = defineService({
  name: 'workspace',
  dependsOn: [],
  requests: workspaceRequests,
  events: workspaceEvents,
  open: async (ctx) => {
    const ws = await Workspace.open(ctx.root, { create: ctx.create });
    try {
      await ws.ensureLayout();
    } catch (err) {
      ws.close();
      throw err;
    }
    return ws;
  },
  start: (ws, ctx) => {
    // The stores the other services just created are made the owner's only too.
    void ws
      .protectEngineState()
      .catch((err: unknown) =>
        console.warn(`Lakebench: could not make ${ws.engineDir} private: ${errorMessage(err)}`),
      );
    return ws.watch((paths) => ctx.bus.emit('workspace.onFilesChanged', { paths }));
  },
  close: (ws) => ws.close(),
  handlers: workspaceHandlers,
});

export const warehouseService = defineService({
  name: 'warehouse',
  dependsOn: [workspaceService],
  requests: warehouseRequests,
  events: warehouseEvents,
  open: async (ctx) => {
    const ws = ctx.use(workspaceService);
    const warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'), {
      threads: ws.settings.warehouse.threads,
      memoryLimit: ws.settings.warehouse.memory_limit,
    });
    try {
      if (ws.isSample) await ensureSampleData(warehouse, ctx.options.sampleRows);
    } catch (err) {
      await warehouse.close();
      throw err;
    }
    return warehouse;
  },
  close: (warehouse) => warehouse.close(),
  handlers: warehouseHandlers,
});

export const tablesService = defineService({
  name: 'tables',
  dependsOn: [workspaceService, warehouseService],
  requests: tablesRequests,
  events: tablesEvents,
  open: async (ctx) => {
    const warehouse = ctx.use(warehouseService);
    const tables = await WorkspaceTables.open(ctx.use(workspaceService).root, warehouse.connections);
    // Every statement of a cell or pipeline task goes by the tables first: writes to workspace tables commit.
    tables.attach(warehouse);
    return tables;
  },
  close: (tables) => tables.close(),
  handlers: tablesHandlers,
});

export const notebooksService = defineService({
  name: 'notebooks',
  dependsOn: [workspaceService],
  requests: notebookRequests,
  events: notebookEvents,
  open: (ctx) => new Notebooks(ctx.use(workspaceService)),
  close: () => {
    // Notebooks hold nothing open: every call reads or writes its file whole.
  },
  handlers: notebookHandlers,
});

export const trackerService = defineService({
  name: 'tracker',
  dependsOn: [workspaceService],
  requests: trackerRequests,
  events: trackerEvents,
  open: (ctx) => Tracker.open(ctx.use(workspaceService).engineDir, ctx.bus),
  start: (tracker, ctx) => {
    const ws = ctx.use(workspaceService);
    // The sample's runs are made in the background so the first start stays fast.
    if (ws.isSample) {
      void ensureSampleExperiment(tracker, ws.root).catch((err: unknown) =>
        console.warn(`Lakebench: the sample's experiment could not be made: ${errorMessage(err)}`),
      );
    }
  },
  close: (tracker) => tracker.close(),
  handlers: trackerHandlers,
});

/** The logs: every service's lines and events, searchable; `.lakebench/logs.db`. Closing flushes. */
export const logsService = defineService({
  name: 'logs',
  dependsOn: [workspaceService],
  requests: logsRequests,
  events: logsEvents,
  open: (ctx): LogsService => {
    const ws = ctx.use(workspaceService);
    return new LocalLogsService({
      file: path.join(ws.engineDir, 'logs.db'),
      // Applied in the background: soon after the open, then every hour.
      retention: retentionFromSettings(ws.settings, path.join(ws.root, 'lakebench.yaml')),
    });
  },
  close: (logs) => logs.close(),
  handlers: logsHandlers,
});

const TERMINAL_RUN_STATES = new Set(['success', 'failed']);

export const pipelinesService = defineService({
  name: 'pipelines',
  dependsOn: [workspaceService, warehouseService, trackerService, logsService],
  requests: pipelineRequests,
  events: pipelineEvents,
  open: (ctx) => {
    const ws = ctx.use(workspaceService);
    return Pipelines.open(ws, ctx.use(warehouseService), ctx.bus, {
      tracking: trackerTracking(ctx.use(trackerService), ws.engineDir),
      logs: ctx.use(logsService),
    });
  },
  start: (pipelines, ctx) => {
    if (ctx.options.schedulePipelines) {
      void pipelines
        .startScheduler()
        .catch((err: unknown) =>
          console.warn(`Lakebench: the pipeline scheduler stopped: ${errorMessage(err)}`),
        );
    }
    // Every run, manual, scheduled or backfill, is an operation: cancellable by its run id.
    return ctx.bus.subscribe((name, payload) => {
      if (name !== 'pipelines.onRunChanged') return;
      const run = payload as EventPayload<'pipelines.onRunChanged'>;
      if (TERMINAL_RUN_STATES.has(run.state) || ctx.operations.isRunning(run.runId)) return;
      ctx.operations.start({
        id: run.runId,
        kind: 'pipeline.run',
        scope: ctx.root,
        cancel: async () => pipelines.cancelRun(run.runId).cancelled,
        follow: [
          follows('pipelines.onRunChanged', 'runId', (changed) =>
            TERMINAL_RUN_STATES.has(changed.state)
              ? { finished: true, message: changed.state }
              : { message: changed.state },
          ),
        ],
      });
    });
  },
  close: (pipelines) => pipelines.close(),
  handlers: pipelineHandlers,
});

export const kernelsService = defineService({
  name: 'kernels',
  dependsOn: [workspaceService, logsService],
  requests: kernelRequests,
  events: kernelEvents,
  open: (ctx) => new NotebookKernels(ctx.use(workspaceService), ctx.bus, ctx.use(logsService)),
  close: (kernels) => kernels.close(),
  handlers: kernelHandlers,
});

/** Every service of the core. Opening a workspace walks this list in dependency order; closing, in reverse. */
export const SERVICES: readonly ServiceDefinition<never, object>[] = [
  workspaceService,
  warehouseService,
  notebooksService,
  trackerService,
  pipelinesService,
  kernelsService,
  logsService,
  tablesService,
] as unknown as ServiceDefinition<never, object>[];

/** The requests that are the core's own rather than one service's. */
export const CORE_REQUESTS = { ...appRequests, ...operationRequests };

type AnyService = ServiceDefinition<unknown, object>;

/** The services of one open workspace, in the order they were opened. */
interface OpenWorkspace {
  root: string;
  opened: { service: AnyService; instance: unknown; ctx: ServiceContext }[];
  stops: (() => void)[];
}

/**
 * Lakebench's headless core: the open workspace and its services, and the API host that serves them. The
 * desktop app, the server, the CLI and the tests all run this same object.
 */
export class LakebenchCore {
  readonly bus = new EventBus();
  readonly operations = new OperationRegistry(this.bus);
  readonly host: ApiHost;
  private current: OpenWorkspace | null = null;
  private opening: Promise<WorkspaceInfo> | null = null;
  private readonly order = dependencyOrder(SERVICES) as unknown as AnyService[];

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

  /** The open workspace's instance of a service. */
  get<T>(service: ServiceDefinition<T, object>): T {
    const current = this.current;
    if (!current) throw new LakebenchError('WORKSPACE_NOT_OPEN', 'no workspace is open');
    const entry = current.opened.find((o) => o.service === (service as unknown as AnyService));
    if (!entry) throw new Error(`service ${service.name} is not registered`);
    return entry.instance as T;
  }

  get workspace(): Workspace {
    return this.get(workspaceService);
  }

  get warehouse(): Warehouse {
    return this.get(warehouseService);
  }

  get notebooks(): Notebooks {
    return this.get(notebooksService);
  }

  get tracker(): Tracker {
    return this.get(trackerService);
  }

  get pipelines(): Pipelines {
    return this.get(pipelinesService);
  }

  get kernels(): NotebookKernels {
    return this.get(kernelsService);
  }

  get logs(): LogsService {
    return this.get(logsService);
  }

  /**
   * Opens a workspace. The new one is checked and opened completely before the old one is closed, so a folder
   * that cannot be opened leaves the user where they were.
   */
  async openWorkspace(folder: string, create = true): Promise<WorkspaceInfo> {
    while (this.opening) {
      // Waiting for an open another caller started; its failure is that caller's to report.
      await this.opening.catch(() => undefined);
    }
    const root = path.resolve(folder.replace(/^~(?=$|\/)/, os.homedir()));
    if (this.current && this.current.root === root) return this.workspace.info();
    this.opening = this.doOpen(root, create);
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  private async doOpen(root: string, create: boolean): Promise<WorkspaceInfo> {
    const next: OpenWorkspace = { root, opened: [], stops: [] };
    try {
      for (const service of this.order) {
        const ctx = this.contextFor(service, root, create, next);
        next.opened.push({ service, instance: await service.open(ctx), ctx });
      }
    } catch (err) {
      const problems = await this.closeServices(next);
      for (const problem of problems) console.warn(`Lakebench: after a failed open of ${root}, ${problem}`);
      throw err;
    }
    const previous = this.current;
    this.current = next;
    if (previous) {
      const problems = await this.closeServices(previous);
      for (const problem of problems) console.warn(`Lakebench: closing ${previous.root}: ${problem}`);
    }
    for (const { service, instance, ctx } of next.opened) {
      try {
        const stop = service.start?.(instance, ctx);
        if (stop) next.stops.push(stop);
      } catch (err) {
        // The workspace is open and its requests work; what did not start (a watcher, the scheduler) is said.
        console.warn(`Lakebench: ${service.name} of ${root} did not start: ${errorMessage(err)}`);
      }
    }
    const info = this.workspace.info();
    this.bus.emit('workspace.onOpened', info);
    return info;
  }

  private contextFor(
    service: AnyService,
    root: string,
    create: boolean,
    into: OpenWorkspace,
  ): ServiceContext {
    return {
      root,
      create,
      options: this.options,
      bus: this.bus,
      operations: this.operations,
      use: <T>(dep: ServiceDefinition<T>): T => {
        if (!service.dependsOn.includes(dep as unknown as ServiceDefinition<never, object>)) {
          throw new Error(`service ${service.name} uses ${dep.name} but does not list it in dependsOn`);
        }
        const entry = into.opened.find((o) => o.service === (dep as unknown as AnyService));
        if (!entry) throw new Error(`service ${dep.name} is not open before ${service.name}`);
        return entry.instance as T;
      },
    };
  }

  /** Stops and closes a workspace's services in reverse order; every one is closed even if another fails. */
  private async closeServices(open: OpenWorkspace): Promise<string[]> {
    const problems: string[] = [];
    for (const stop of open.stops.reverse()) {
      try {
        stop();
      } catch (err) {
        problems.push(`stopping a service failed: ${errorMessage(err)}`);
      }
    }
    for (const { service, instance } of [...open.opened].reverse()) {
      try {
        await service.close(instance);
      } catch (err) {
        problems.push(`closing ${service.name} failed: ${errorMessage(err)}`);
      }
    }
    this.operations.dropScope(open.root);
    return problems;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (!current) return;
    const problems = await this.closeServices(current);
    if (problems.length > 0) throw new Error(`Lakebench: closing ${current.root}: ${problems.join('; ')}`);
  }

  private handlers(): RequestHandlers {
    const all: Partial<Record<string, unknown>> = { ...this.coreHandlers() };
    for (const service of this.order) {
      for (const [name, handler] of Object.entries(service.handlers(this))) {
        if (name in all) throw new Error(`request ${name} has two handlers (${service.name})`);
        all[name] = handler;
      }
    }
    const missing = requestNames.filter((name) => !(name in all));
    if (missing.length > 0) throw new Error(`requests without a handler: ${missing.join(', ')}`);
    return all as RequestHandlers;
  }

  private coreHandlers(): Pick<RequestHandlers, keyof typeof CORE_REQUESTS> {
    return {
      'app.getInfo': async () => ({
        version: this.options.version,
        platform: process.platform,
        workspace: this.current ? this.workspace.info() : null,
      }),
      'operations.cancel': async ({ operationId }) => ({
        cancelled: await this.operations.cancel(operationId),
      }),
    };
  }
}
