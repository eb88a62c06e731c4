/* Generated from notebook_ops/model/schema/run-progress.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Event = 'run_started' | 'step_started' | 'step_retry' | 'step_finished' | 'run_finished';
export type DurationS = number | null;
export type Error = string | null;
export type FinishedAt = string | null;
export type Branch = string | null;
export type Commit = string | null;
export type Dirty = boolean | null;
export type Host = string | null;
export type Error1 = string | null;
export type ExperimentId = string | null;
export type RunId = string | null;
export type TrackingUri = string | null;
export type Mode = 'pipeline' | 'bundle';
export type NotebookHash = string | null;
export type NotebookOpsVersion = string | null;
export type Cache = boolean;
export type DataUrl = string | null;
export type Jobs = number;
export type Kernels = string | null;
export type SingleKernel = boolean;
export type Steps = string[];
export type Pid = number | null;
export type Pipeline = string | null;
export type ResumedFrom = string | null;
export type RunDir = string | null;
export type RunId1 = string;
export type Source = string | null;
export type StartedAt = string | null;
export type Status = 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled';
export type Attempts = number;
export type CacheKey = string | null;
export type Cached = boolean;
export type Cell = number | null;
export type ChangedAtRun = string[];
export type DurationS1 = number | null;
export type Error2 = string | null;
export type FinishedAt1 = string | null;
export type Log = string | null;
export type Notebook = string | null;
export type Reused = string | null;
export type StartedAt1 = string | null;
export type Status1 = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type Condition = string;
export type Met = boolean | null;
export type Metric = string;
export type Targets = TargetResult[];
export type RunId2 = string;
export type Status2 = string;
export type Step = string | null;

/**
 * What the runner tells a ``progress`` callback after each change: the whole record as it
 * is at that moment (``status``: the step's for step events, else the run's).
 */
export interface RunProgress {
  event: Event;
  run: RunRecord;
  run_id: RunId2;
  status: Status2;
  step?: Step;
  [k: string]: unknown;
}
/**
 * ``run.json``. ``status`` is "running" until the run ends; ``pid``/``host`` tell a reader
 * whether a "running" run still has a process.
 */
export interface RunRecord {
  duration_s: DurationS;
  error: Error;
  finished_at: FinishedAt;
  git: GitInfo;
  host: Host;
  metrics: Metrics;
  mlflow: MlflowInfo;
  mode: Mode;
  notebook_hash: NotebookHash;
  notebook_ops_version: NotebookOpsVersion;
  options: RunOptions;
  parameters: Parameters;
  pid: Pid;
  pipeline: Pipeline;
  resumed_from: ResumedFrom;
  run_dir: RunDir;
  run_id: RunId1;
  source: Source;
  started_at: StartedAt;
  status: Status;
  steps: Steps1;
  tags: Tags;
  targets: Targets;
  [k: string]: unknown;
}
export interface GitInfo {
  branch: Branch;
  commit: Commit;
  dirty: Dirty;
  [k: string]: unknown;
}
export interface Metrics {
  [k: string]: unknown;
}
export interface MlflowInfo {
  error: Error1;
  experiment_id: ExperimentId;
  run_id: RunId;
  tracking_uri: TrackingUri;
  [k: string]: unknown;
}
export interface RunOptions {
  cache: Cache;
  data_url: DataUrl;
  jobs: Jobs;
  kernels: Kernels;
  single_kernel: SingleKernel;
  steps: Steps;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
export interface Steps1 {
  [k: string]: StepRecord;
}
/**
 * One step of a run. ``notebook`` / ``log``: paths of the executed notebook and its log.
 */
export interface StepRecord {
  attempts: Attempts;
  cache_key: CacheKey;
  cached: Cached;
  cell: Cell;
  changed_at_run: ChangedAtRun;
  duration_s: DurationS1;
  error: Error2;
  finished_at: FinishedAt1;
  log: Log;
  metrics: Metrics1;
  notebook: Notebook;
  reused: Reused;
  started_at: StartedAt1;
  status: Status1;
  [k: string]: unknown;
}
export interface Metrics1 {
  [k: string]: unknown;
}
export interface Tags {
  [k: string]: string;
}
/**
 * A metric target against the run's value; ``met`` None: not measured (a partial run).
 */
export interface TargetResult {
  condition: Condition;
  met: Met;
  metric: Metric;
  value: Value;
  [k: string]: unknown;
}
export interface Value {
  [k: string]: unknown;
}
