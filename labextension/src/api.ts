/**
 * The lab's one door to the notebook-ops REST API (`/notebook-ops/api/`).
 *
 * The requests and every shape the server sends are generated from its OpenAPI document
 * (`schemas/client.ts`, `schemas/types.ts`: labextension/scripts/schema-types.mjs); this module
 * names them as the lab uses them and keeps the call signatures the models were written
 * against. Nothing here copies a server shape by hand.
 */
import { ServerConnection } from '@jupyterlab/services';

import * as client from './schemas/client';
import type { NotebookOps } from './schemas/notebook_ops';
import type {
  AlertChecksResponse,
  AlertView,
  CreateRun,
  CreateSchedule,
  EditElyraPipeline,
  ElyraEditResponse,
  ExportResponse,
  FeaturesResponse,
  FolderView,
  ModelsResponse,
  ParameterView,
  PipelineFileResponse,
  PipelineView,
  ProblemView,
  ProofProgress,
  ProofsResponse,
  PromoteResponse,
  RemoteRun,
  RemoteRunsResponse,
  RemoteTask,
  RunComparison,
  RunsResponse,
  RunView,
  ScheduledRunView,
  SchedulerState,
  SchedulesResponse,
  ScheduleView,
  SendTestAlert,
  StalenessView,
  StepRecord,
  StepView,
  TestAlertResponse
} from './schemas/types';
import { ApiError, call } from './request';

export { ApiError, client };
export type * from './schemas/types';

export type Severity = ProblemView['severity'];

/* The pipeline view the server sends (`POST pipelines`, `inspect --json`). */
export type IParameter = ParameterView;
export type IStep = StepView;
export type IProblem = ProblemView;

/**
 * Pipeline settings kept in the notebook's `metadata.notebook_ops`: the type generated from
 * notebook_ops/model/schema/notebook_ops.schema.json (the view carries them as it reads them).
 */
export type IPipelineSettings = NotebookOps;
export type IPipeline = PipelineView & { settings: IPipelineSettings };

/** GET remote-runs: the runs of the configured Airflow. */
export type IRemoteRuns = RemoteRunsResponse;
export type IRemoteRun = RemoteRun;
export type IRemoteTask = RemoteTask;

/**
 * GET folders: a folder of notebooks in the order inferred from what they hand each other, and
 * why; POST pipeline-files: that order written out.
 */
export type IFolderView = FolderView;
export type IPipelineFile = PipelineFileResponse;

/** What the server can do (GET /): the panel offers only the actions listed here. */
export type IFeatures = FeaturesResponse;

/** A run as GET runs/{id} sends it (its run.json, paths relative to the server root). */
export type IRun = RunView;
export type RunStatus = RunView['status'];
export type IStepRun = StepRecord;
/** GET runs/{a}/comparisons/{b}: two runs side by side (as `notebook-ops runs compare`). */
export type IRunComparison = RunComparison;

/**
 * POST exports: the version written, paths relative to the server root; with `prove` (202) the
 * proof it started (`proving`), followed at GET proofs/{id}.
 */
export type IExport = ExportResponse;
/** GET proofs/{id}: building the env, step k of n, done with the proof record, or one-line error. */
export type IProofProgress = ProofProgress;

/** An alert as the server shows it (POST alert-checks, a schedule's `alerts`): masked. */
export type IAlertView = AlertView;

/** A firing of a schedule. */
export type IScheduledRun = ScheduledRunView;
export type ISchedule = ScheduleView;
export type ISchedulerState = SchedulerState;

/** How a run goes: cache, start step, and where its steps run (a Dask cluster, a data store). */
export type IRunOptions = Pick<CreateRun, 'cache' | 'cluster'> & {
  fromStep?: CreateRun['from_step'];
  dataUrl?: CreateRun['data_url'];
};

export const FINAL_STATUSES: RunStatus[] = ['succeeded', 'failed', 'below_target', 'cancelled'];

/** A request to `endpoint` under the API prefix (`init.body`: JSON text); prefer `client`. */
export function request<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
  return call<T>(init.method ?? 'GET', `${client.API_PREFIX}/${endpoint}`, { body }, settings);
}

/** The notebook-ops server API, in the calls the lab's models make. */
export const api = {
  features(): Promise<IFeatures> {
    return client.getFeatures();
  },

  /** Read a notebook as a pipeline; `content` is the unsaved notebook JSON. */
  inspect(path: string, content?: unknown): Promise<IPipeline> {
    const body = content === undefined ? { path } : { path, content: content as Record<string, unknown> };
    return client.postPipelines(body) as Promise<IPipeline>;
  },

  /**
   * Which steps a run now would run again (stale, and why, or never run) and which the cache
   * would reuse; `content` is the unsaved notebook JSON, as `inspect` sends it.
   */
  staleSteps(path: string, content?: unknown, parameters: Record<string, string> = {}): Promise<StalenessView> {
    const body =
      content === undefined ? { path, parameters } : { path, content: content as Record<string, unknown>, parameters };
    return client.postStaleSteps(body);
  },

  /** A folder of notebooks: their inferred order, what links them, where a pipeline file goes. */
  folder(path: string): Promise<IFolderView> {
    return client.getFolders({ path });
  },

  /** Write the folder's inferred order as a pipeline file (409 over an existing one unless `overwrite`). */
  writePipelineFile(path: string, overwrite = false): Promise<IPipelineFile> {
    return client.postPipelineFiles({ path, overwrite });
  },

  /** One canvas edit of an Elyra `.pipeline` (a node or a link, named by their files), written back. */
  editElyra(body: EditElyraPipeline): Promise<ElyraEditResponse> {
    return client.postElyraEdits(body);
  },

  /** Start a run of the saved notebook (or a folder of notebooks); resolves once the runner accepted the input. */
  startRun(path: string, parameters: Record<string, string>, options: IRunOptions = {}): Promise<IRun> {
    const body: CreateRun = { path, parameters, cache: options.cache ?? true };
    if (options.fromStep) {
      body.from_step = options.fromStep;
    }
    // a Dask scheduler and a data store its workers reach, sent only when given
    if (options.cluster) {
      body.cluster = options.cluster;
    }
    if (options.dataUrl) {
      body.data_url = options.dataUrl;
    }
    return client.postRuns(body);
  },

  run(path: string, runId: string): Promise<IRun> {
    return client.getRun(runId, { path });
  },

  runs(path: string, limit = 10): Promise<RunsResponse> {
    return client.getRuns({ path, limit });
  },

  /** Run `a` against run `b` of the notebook: parameters, metrics and steps (deltas are b - a). */
  compareRuns(path: string, a: string, b: string): Promise<IRunComparison> {
    return client.getRunComparison(a, b, { path });
  },

  cancelRun(path: string, runId: string): Promise<unknown> {
    return client.deleteRun(runId, { path });
  },

  /**
   * Export the saved notebook as a bundle into `outDir` (relative to the notebook); with `prove`
   * the server then proves it in the background (the reply's `proving`).
   */
  exportBundle(path: string, outDir: string, allowDirty = false, prove = false): Promise<IExport> {
    return client.postExports({ path, out_dir: outDir, allow_dirty: allowDirty, prove });
  },

  /** Where a proof started by an export is now. */
  proof(id: string): Promise<IProofProgress> {
    return client.getProof(id);
  },

  /** The proofs of the notebook's bundles this server runs or ran, newest first. */
  proofs(path: string): Promise<ProofsResponse> {
    return client.getProofs({ path });
  },

  schedules(path: string): Promise<SchedulesResponse> {
    return client.getSchedules({ path });
  },

  schedule(name: string): Promise<ISchedule> {
    return client.getSchedule(name);
  },

  addSchedule(body: CreateSchedule): Promise<ISchedule> {
    return client.postSchedules(body);
  },

  /** Alerts checked as the CLI's --alert checks them, sent back masked (400: the bad one, named). */
  checkAlerts(alerts: { to: string; on?: string[]; format?: string }[]): Promise<AlertChecksResponse> {
    return client.postAlertChecks({ alerts });
  },

  /** One test message to an alert destination, sent now by the server (502: its answer). */
  testAlert(body: SendTestAlert): Promise<TestAlertResponse> {
    return client.postAlertTests(body);
  },

  pauseSchedule(name: string, paused: boolean): Promise<ISchedule> {
    return client.patchSchedule(name, { paused });
  },

  removeSchedule(name: string): Promise<unknown> {
    return client.deleteSchedule(name);
  },

  runScheduleNow(name: string): Promise<IScheduledRun> {
    return client.postScheduleRuns(name);
  },

  scheduler(): Promise<ISchedulerState> {
    return client.getScheduler();
  },

  hostScheduler(hosted: boolean): Promise<ISchedulerState> {
    return client.putScheduler({ hosted });
  },

  /** The runs of the Airflow the server is configured with, newest first, each task's state. */
  remoteRuns(limit = 10): Promise<IRemoteRuns> {
    return client.getRemoteRuns({ limit });
  },

  /** The models this pipeline registered in the notebook's MLflow store, newest versions first. */
  models(path: string, pipeline: string): Promise<ModelsResponse> {
    return client.getModels({ path, pipeline });
  },

  /** Point `alias` at a version if the gate passes (or anyway with `force`, recorded). */
  promoteModel(
    path: string,
    name: string,
    version: number,
    alias: string,
    why = '',
    force = false
  ): Promise<PromoteResponse> {
    return client.postModelPromote(name, { path, alias, version, why, force });
  },

  /** URL of a step's executed notebook rendered as a static page (outputs included). */
  stepNotebookUrl(path: string, runId: string, step: string): string {
    return client.getRunStepUrl(runId, step, { path, format: 'html' });
  }
};
