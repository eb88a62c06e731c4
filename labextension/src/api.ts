/**
 * The one typed client of the notebook-ops REST API (`/notebook-ops/api/`).
 *
 * Every call goes through `request`, which adds Jupyter's auth and XSRF headers
 * (ServerConnection) and turns error replies into `ApiError` carrying the server's message.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { FolderView } from './schemas/folder_view';
import type { NotebookOps } from './schemas/notebook_ops';
import type { ParameterView, PipelineView, StepView } from './schemas/pipeline_view';
import type { RemoteRun, RemoteTask, RestRemoteRunsResponse } from './schemas/rest_remote_runs_response';
import type { RestExportResponse } from './schemas/rest_export_response';
import type { RestPipelineFileResponse } from './schemas/rest_pipeline_file_response';
import type { RestProofProgress } from './schemas/rest_proof_progress';
import type { RestProofsResponse } from './schemas/rest_proofs_response';
import type { ProblemView } from './schemas/shared';

export type Severity = ProblemView['severity'];

/*
 * The pipeline view the server sends (`POST pipelines`, `inspect --json`): types generated from
 * notebook_ops/model/schema/pipeline-view.schema.json, itself generated from the Python contract
 * (notebook_ops/model/contracts/pipeline_view.py). Nothing here is copied by hand.
 */
export type IParameter = ParameterView;
export type IStep = StepView;
export type IProblem = ProblemView;

/**
 * Pipeline settings kept in the notebook's `metadata.notebook_ops`: the type generated from
 * notebook_ops/model/schema/notebook_ops.schema.json (labextension/scripts/schema-types.mjs).
 */
export type IPipelineSettings = NotebookOps;

export type IPipeline = PipelineView & { settings: IPipelineSettings };

/** GET remote-runs: the runs of the configured Airflow (types generated from the Python contract). */
export type IRemoteRuns = RestRemoteRunsResponse;
export type IRemoteRun = RemoteRun;
export type IRemoteTask = RemoteTask;

/**
 * GET folders: a folder of notebooks in the order inferred from what they hand each other, and
 * why; POST pipeline-files: that order written out (types generated from the Python contracts).
 */
export type IFolderView = FolderView;
export type IPipelineFile = RestPipelineFileResponse;

/** What the server can do: the panel offers only the actions listed here. */
export interface IFeatures {
  version: string;
  /** remote_runs: an Airflow is configured (c.NotebookOps.airflow_url), GET remote-runs lists its runs. */
  features: { runs: boolean; exports: boolean; schedules: boolean; remote_runs?: boolean };
  /** c.NotebookOps.mlflow_ui_url: an MLflow UI the panel links runs to ('' when none). */
  mlflow_ui_url?: string;
  root_dir?: string;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled' | string;

export interface IStepRun {
  status: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  cached: boolean;
  attempts: number;
  error: string | null;
  /** The notebook cell the error is in: its 0-based index (the error's text shows JupyterLab's number). */
  cell?: number | null;
  notebook: string | null;
  log: string | null;
  metrics?: Record<string, number>;
}

/** A run's run.json, paths relative to the server root. */
export interface IRun {
  run_id: string;
  status: RunStatus;
  run_dir: string | null;
  started_at: string;
  finished_at: string | null;
  duration_s: number | null;
  parameters: Record<string, unknown>;
  steps: Record<string, IStepRun>;
  metrics: Record<string, number>;
  targets?: { metric: string; condition: string; value?: unknown; met: boolean | null }[];
  /** Set for a run of part of the pipeline (--steps / --from). */
  from_step?: string | null;
  mlflow?: { tracking_uri: string; run_id: string; experiment_id: string } | null;
  error?: string | null;
  active: boolean;
}

/**
 * POST exports: the version written, paths relative to the server root; with `prove` (202) the
 * proof it started (`proving`), followed at GET proofs/{id}. Types generated from the contracts.
 */
export type IExport = RestExportResponse;
/** GET proofs/{id}: building the env, step k of n, done with the proof record, or one-line error. */
export type IProofProgress = RestProofProgress;

/** A firing of a schedule (notebook_ops.scheduler run dict). */
export interface IScheduledRun {
  id: number;
  schedule_name: string;
  scheduled_for: string;
  /** cron | catchup | manual | message */
  trigger: string;
  message_id?: string | null;
  state: string;
  run_dir: string | null;
  run_id: string | null;
  error: string | null;
  metrics: Record<string, number> | null;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
}

export interface ISchedule {
  id: number;
  name: string;
  target: string;
  /** "cron": fired by the clock; "trigger": fired by each message on `source`. */
  kind?: 'cron' | 'trigger';
  source?: string | null;
  subscription?: string | null;
  cron: string;
  tz: string;
  parameters: Record<string, unknown>;
  paused: boolean;
  next_fire_at: string | null;
  upcoming: string[];
  last_run: IScheduledRun | null;
  recent_runs?: IScheduledRun[];
}

export interface ISchedulerState {
  hosted: boolean;
  active: boolean;
  services: Record<string, unknown>[];
  env_override: string | null;
}

/** How a run goes: cache, start step, and where its steps run (a Dask cluster, a data store). */
export interface IRunOptions {
  cache?: boolean;
  fromStep?: string | null;
  cluster?: string | null;
  dataUrl?: string | null;
}

export const FINAL_STATUSES = ['succeeded', 'failed', 'below_target', 'cancelled'];

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

const PREFIX = 'notebook-ops/api';

export async function request<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, PREFIX, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(`cannot reach the server: ${error}`, 0);
  }
  const text = await response.text();
  let data: unknown = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const body = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
    const message = (typeof body.message === 'string' && body.message) || `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, body);
  }
  return data as T;
}

function query(params: Record<string, string>): string {
  return '?' + new URLSearchParams(params).toString();
}

function post<T>(endpoint: string, body: unknown): Promise<T> {
  return request<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}

/** The notebook-ops server API. */
export const api = {
  features(): Promise<IFeatures> {
    return request<IFeatures>('');
  },

  /** Read a notebook as a pipeline; `content` is the unsaved notebook JSON. */
  inspect(path: string, content?: unknown): Promise<IPipeline> {
    return post<IPipeline>('pipelines', content === undefined ? { path } : { path, content });
  },

  /** A folder of notebooks: their inferred order, what links them, where a pipeline file goes. */
  folder(path: string): Promise<IFolderView> {
    return request<IFolderView>(`folders${query({ path })}`);
  },

  /** Write the folder's inferred order as a pipeline file (409 over an existing one unless `overwrite`). */
  writePipelineFile(path: string, overwrite = false): Promise<IPipelineFile> {
    return post<IPipelineFile>('pipeline-files', { path, overwrite });
  },

  /** Start a run of the saved notebook (or a folder of notebooks); resolves once the runner accepted the input. */
  startRun(path: string, parameters: Record<string, string>, options: IRunOptions = {}): Promise<IRun> {
    const body: Record<string, unknown> = { path, parameters, cache: options.cache ?? true };
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
    return post<IRun>('runs', body);
  },

  run(path: string, runId: string): Promise<IRun> {
    return request<IRun>(`runs/${encodeURIComponent(runId)}${query({ path })}`);
  },

  runs(path: string, limit = 10): Promise<{ runs: IRun[] }> {
    return request<{ runs: IRun[] }>(`runs${query({ path, limit: String(limit) })}`);
  },

  cancelRun(path: string, runId: string): Promise<unknown> {
    return request(`runs/${encodeURIComponent(runId)}${query({ path })}`, { method: 'DELETE' });
  },

  /**
   * Export the saved notebook as a bundle into `outDir` (relative to the notebook); with `prove`
   * the server then proves it in the background (the reply's `proving`).
   */
  exportBundle(path: string, outDir: string, allowDirty = false, prove = false): Promise<IExport> {
    return post<IExport>('exports', { path, out_dir: outDir, allow_dirty: allowDirty, prove });
  },

  /** Where a proof started by an export is now. */
  proof(id: string): Promise<IProofProgress> {
    return request<IProofProgress>(`proofs/${encodeURIComponent(id)}`);
  },

  /** The proofs of the notebook's bundles this server runs or ran, newest first. */
  proofs(path: string): Promise<RestProofsResponse> {
    return request<RestProofsResponse>(`proofs${query({ path })}`);
  },

  schedules(path: string): Promise<{ schedules: ISchedule[]; services: Record<string, unknown>[] }> {
    return request(`schedules${query({ path })}`);
  },

  schedule(name: string): Promise<ISchedule> {
    return request<ISchedule>(`schedules/${encodeURIComponent(name)}`);
  },

  addSchedule(body: {
    path: string;
    cron?: string;
    trigger?: string;
    tz?: string;
    name?: string;
    parameters: Record<string, string>;
  }): Promise<ISchedule> {
    return post<ISchedule>('schedules', body);
  },

  pauseSchedule(name: string, paused: boolean): Promise<ISchedule> {
    return request<ISchedule>(`schedules/${encodeURIComponent(name)}`, {
      method: 'PATCH',
      body: JSON.stringify({ paused })
    });
  },

  removeSchedule(name: string): Promise<unknown> {
    return request(`schedules/${encodeURIComponent(name)}`, { method: 'DELETE' });
  },

  runScheduleNow(name: string): Promise<IScheduledRun> {
    return post<IScheduledRun>(`schedules/${encodeURIComponent(name)}/runs`, {});
  },

  scheduler(): Promise<ISchedulerState> {
    return request<ISchedulerState>('scheduler');
  },

  hostScheduler(hosted: boolean): Promise<ISchedulerState> {
    return request<ISchedulerState>('scheduler', { method: 'PUT', body: JSON.stringify({ hosted }) });
  },

  /** The runs of the Airflow the server is configured with, newest first, each task's state. */
  remoteRuns(limit = 10): Promise<IRemoteRuns> {
    return request<IRemoteRuns>(`remote-runs${query({ limit: String(limit) })}`);
  },

  /** URL of a step's executed notebook rendered as a static page (outputs included). */
  stepNotebookUrl(path: string, runId: string, step: string): string {
    const settings = ServerConnection.makeSettings();
    return URLExt.join(
      settings.baseUrl,
      PREFIX,
      `runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}${query({ path, format: 'html' })}`
    );
  }
};
