/* Generated from the definitions several schemas share by labextension/scripts/schema-types.mjs: do not edit. */

export type Branch = string | null;
export type Commit = string | null;
export type Dirty = boolean | null;
export type Condition = string;
export type Met = boolean | null;
export type Metric = string;
export type Cell = number | null;
export type Code = string;
export type Hint = string | null;
export type Message = string;
export type Severity = 'error' | 'warning' | 'info';
export type Step = string | null;
export type Bundle = string;
export type ContentSha256 = string;
export type Date = string;
export type DurationS = number;
export type EnvBuildS = number;
export type EnvBuilder = 'uv' | 'pip';
export type EnvCached = boolean;
export type NotebookOpsVersion = string;
export type Platform = string;
export type Proven = boolean;
export type Python = string;
export type Rtol = number;
export type SourceRun = string | null;
export type Detail = string | null;
export type Kind = 'output' | 'metric';
export type Name = string;
export type Result = 'equal' | 'differs' | 'missing' | 'extra' | 'unseeded';
export type Compared = ComparedValue[];
export type DurationS1 = number | null;
export type Error = string | null;
export type Problem = string | null;
export type Status = 'equal' | 'ran' | 'differs' | 'unseeded' | 'failed' | 'not_run';
export type Summary = string;
export type Version = number;
export type Bundle1 = string;
export type Error1 = string | null;
export type FinishedAt = string | null;
export type Id = string;
export type Message1 = string;
export type Notebook = string;
export type StartedAt = string;
export type State = 'building_env' | 'running_step' | 'done' | 'error';
export type Step1 = string | null;
export type StepIndex = number | null;
export type StepsTotal = number | null;
export type Error2 = string | null;
export type ExperimentId = string | null;
export type RunId = string | null;
export type TrackingUri = string | null;
export type CodeSha256 = string;
export type Commands = string[];
export type Databases = string[];
export type Dirs = string[];
export type Extensions = string[];
export type Modules = string[];
export type Outside = string[];
export type Reads = string[];
export type Removed = string[];
export type Truncated = boolean;
export type Writes = string[];
export type Active = boolean | null;
export type CpuS = number | null;
export type DurationS2 = number | null;
export type Error3 = string | null;
export type FinishedAt1 = string | null;
export type Host = string | null;
export type Mode = 'pipeline' | 'bundle';
export type NotebookHash = string | null;
export type NotebookOpsVersion1 = string | null;
export type Cache = boolean;
export type Cluster = string | null;
export type DataUrl = string | null;
export type Jobs = number;
export type Kernels = string | null;
export type SingleKernel = boolean;
export type Steps1 = string[];
export type PeakMemMb = number | null;
export type Pid = number | null;
export type Pipeline = string | null;
export type ProcessAlive = boolean | null;
export type ResumedFrom = string | null;
export type RunDir = string | null;
export type RunId1 = string;
export type Source = string | null;
export type StartedAt1 = string | null;
export type Status1 = 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled' | 'unreadable';
export type Attempts = number;
export type CacheKey = string | null;
export type Cached = boolean;
export type Cell1 = number | null;
export type ChangedAtRun = string[];
export type CpuS1 = number | null;
export type DurationS3 = number | null;
export type Error4 = string | null;
export type FinishedAt2 = string | null;
export type Log = string | null;
export type Notebook1 = string | null;
export type PeakMemMb1 = number | null;
export type Reused = string | null;
export type StartedAt2 = string | null;
export type Status2 = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type Worker = string | null;
export type Targets = TargetResult[];
export type Catchup = 'skip' | 'once' | 'all';
export type CreatedAt = string | null;
export type Cron = string;
export type DeadLetterTopic = string | null;
export type Id1 = number | null;
export type Kind1 = 'cron' | 'trigger';
export type Attempt = number;
export type ChildPid = number | null;
export type CreatedAt1 = string | null;
export type DurationS4 = number | null;
export type Error5 = string | null;
export type ExitCode = number | null;
export type FinishedAt3 = string | null;
export type Id2 = number | null;
export type LateS = number | null;
export type LeaseExpiresAt = string | null;
export type MessageId = string | null;
export type MlflowRunId = string | null;
export type MlflowTrackingUri = string | null;
export type NotBefore = string | null;
export type NotifiedAt = string | null;
export type Owner = string | null;
export type RunDir1 = string | null;
export type RunId2 = string | null;
export type ScheduleId = number;
export type ScheduleName = string | null;
export type ScheduledFor = string;
export type StartedAt3 = string | null;
export type State1 =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'below_target'
  | 'cancelled'
  | 'timed_out'
  | 'missed'
  | 'skipped'
  | 'rejected';
export type Trigger = 'cron' | 'catchup' | 'manual' | 'message';
export type MaxConcurrent = number;
export type Name1 = string;
export type NextFireAt = string | null;
export type Overlap = 'queue' | 'skip';
export type Paused = boolean;
export type RecentRuns = ScheduledRunView[] | null;
export type Retries = number;
export type RetryDelayS = number;
export type Source1 = string | null;
export type Subscribed = boolean | null;
export type Subscription = string | null;
export type Target = string;
export type TimeoutS = number | null;
export type Tz = string;
export type Upcoming = string[];
export type UpdatedAt = string | null;
export type Webhook = string | null;
export type Workdir = string | null;
export type CpuS2 = number | null;
export type DurationS5 = number | null;
export type Error6 = string | null;
export type FinishedAt4 = string | null;
export type Host1 = string | null;
export type Mode1 = 'pipeline' | 'bundle';
export type NotebookHash1 = string | null;
export type NotebookOpsVersion2 = string | null;
export type PeakMemMb2 = number | null;
export type Pid1 = number | null;
export type Pipeline1 = string | null;
export type ResumedFrom1 = string | null;
export type RunDir2 = string | null;
export type RunId3 = string;
export type Source2 = string | null;
export type StartedAt4 = string | null;
export type Status3 = 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled';
export type Targets1 = TargetResult[];

export interface GitInfo {
  branch: Branch;
  commit: Commit;
  dirty: Dirty;
  [k: string]: unknown;
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
export interface ProblemView {
  cell: Cell;
  code: Code;
  hint: Hint;
  message: Message;
  severity: Severity;
  step: Step;
  [k: string]: unknown;
}
/**
 * ``proven``: every step ran in the clean env and (with a source run) gave equal results.
 */
export interface ProofRecord {
  bundle: Bundle;
  content_sha256: ContentSha256;
  date: Date;
  duration_s: DurationS;
  env_build_s: EnvBuildS;
  env_builder: EnvBuilder;
  env_cached: EnvCached;
  notebook_ops_version: NotebookOpsVersion;
  platform: Platform;
  proven: Proven;
  python: Python;
  rtol: Rtol;
  source_run: SourceRun;
  steps: Steps;
  summary: Summary;
  version: Version;
  [k: string]: unknown;
}
export interface Steps {
  [k: string]: StepProof;
}
export interface StepProof {
  compared: Compared;
  duration_s: DurationS1;
  error: Error;
  problem: Problem;
  status: Status;
  [k: string]: unknown;
}
/**
 * One output or metric of a step: the proof run's value against the source run's.
 */
export interface ComparedValue {
  detail: Detail;
  kind: Kind;
  name: Name;
  result: Result;
  [k: string]: unknown;
}
/**
 * GET proofs/{id}: a proof started by POST exports with ``prove``, where it is now (paths
 * relative to the server root). A failed proof is ``done`` with ``proof.proven`` false.
 */
export interface ProofProgress {
  bundle: Bundle1;
  error: Error1;
  finished_at: FinishedAt;
  id: Id;
  message: Message1;
  notebook: Notebook;
  proof: ProofRecord | null;
  started_at: StartedAt;
  state: State;
  step: Step1;
  step_index: StepIndex;
  steps_total: StepsTotal;
  [k: string]: unknown;
}
export interface MlflowInfo {
  error: Error2;
  experiment_id: ExperimentId;
  run_id: RunId;
  tracking_uri: TrackingUri;
  [k: string]: unknown;
}
/**
 * What a step's code actually did, seen in its kernel (audit hooks) and by a before/after
 * look at the project's files. Paths are project-relative, POSIX; lists sorted, no repeats.
 * Export reads the latest successful run's observation of the same code (``code_sha256``).
 */
export interface Observed {
  code_sha256: CodeSha256;
  commands: Commands;
  databases: Databases;
  dirs: Dirs;
  distributions: Distributions;
  extensions: Extensions;
  modules: Modules;
  outside: Outside;
  reads: Reads;
  removed: Removed;
  truncated: Truncated;
  writes: Writes;
  [k: string]: unknown;
}
export interface Distributions {
  [k: string]: string;
}
/**
 * A run as ``runs list`` and ``GET runs`` show it: the record, where it lives, and for a
 * "running" one whether its process still exists (None: another host, or unknown).
 */
export interface RunListing {
  active?: Active;
  cpu_s?: CpuS;
  duration_s: DurationS2;
  error: Error3;
  finished_at: FinishedAt1;
  git: GitInfo;
  host: Host;
  metrics: Metrics;
  mlflow: MlflowInfo;
  mode: Mode;
  notebook_hash: NotebookHash;
  notebook_ops_version: NotebookOpsVersion1;
  options: RunOptions;
  parameters: Parameters;
  peak_mem_mb?: PeakMemMb;
  pid: Pid;
  pipeline: Pipeline;
  process_alive?: ProcessAlive;
  resumed_from: ResumedFrom;
  run_dir: RunDir;
  run_id: RunId1;
  source: Source;
  started_at: StartedAt1;
  status: Status1;
  steps: Steps2;
  tags: Tags;
  targets: Targets;
  [k: string]: unknown;
}
export interface Metrics {
  [k: string]: unknown;
}
export interface RunOptions {
  cache: Cache;
  cluster: Cluster;
  data_url: DataUrl;
  jobs: Jobs;
  kernels: Kernels;
  single_kernel: SingleKernel;
  steps: Steps1;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
export interface Steps2 {
  [k: string]: StepRecord;
}
/**
 * One step of a run. ``notebook`` / ``log``: paths of the executed notebook and its log.
 */
export interface StepRecord {
  attempts: Attempts;
  cache_key: CacheKey;
  cached: Cached;
  cell: Cell1;
  changed_at_run: ChangedAtRun;
  cpu_s?: CpuS1;
  duration_s: DurationS3;
  error: Error4;
  finished_at: FinishedAt2;
  log: Log;
  metrics: Metrics1;
  notebook: Notebook1;
  observed?: Observed | null;
  peak_mem_mb?: PeakMemMb1;
  reused: Reused;
  started_at: StartedAt2;
  status: Status2;
  worker: Worker;
  [k: string]: unknown;
}
export interface Metrics1 {
  [k: string]: unknown;
}
export interface Tags {
  [k: string]: string;
}
/**
 * A stored schedule as the API returns it (the REST API leaves out ``workdir``: a path
 * on the server's disk).
 */
export interface ScheduleView {
  catchup: Catchup;
  created_at: CreatedAt;
  cron: Cron;
  dead_letter_topic: DeadLetterTopic;
  id: Id1;
  kind: Kind1;
  last_run: ScheduledRunView | null;
  max_concurrent: MaxConcurrent;
  name: Name1;
  next_fire_at: NextFireAt;
  overlap: Overlap;
  parameters: Parameters2;
  paused: Paused;
  recent_runs?: RecentRuns;
  retries: Retries;
  retry_delay_s: RetryDelayS;
  source: Source1;
  subscribed?: Subscribed;
  subscription: Subscription;
  target: Target;
  timeout_s: TimeoutS;
  tz: Tz;
  upcoming: Upcoming;
  updated_at: UpdatedAt;
  webhook: Webhook;
  workdir?: Workdir;
  [k: string]: unknown;
}
/**
 * One firing of a schedule and its (last) attempt; times are ISO 8601 UTC.
 */
export interface ScheduledRunView {
  attempt: Attempt;
  child_pid: ChildPid;
  created_at: CreatedAt1;
  duration_s?: DurationS4;
  error: Error5;
  exit_code: ExitCode;
  finished_at: FinishedAt3;
  id: Id2;
  late_s?: LateS;
  lease_expires_at: LeaseExpiresAt;
  message_id: MessageId;
  metrics: Metrics2;
  mlflow_run_id: MlflowRunId;
  mlflow_tracking_uri: MlflowTrackingUri;
  not_before: NotBefore;
  notified_at: NotifiedAt;
  owner: Owner;
  parameters: Parameters1;
  run_dir: RunDir1;
  run_id: RunId2;
  schedule_id: ScheduleId;
  schedule_name: ScheduleName;
  scheduled_for: ScheduledFor;
  started_at: StartedAt3;
  state: State1;
  trigger: Trigger;
  [k: string]: unknown;
}
export interface Metrics2 {
  [k: string]: unknown;
}
export interface Parameters1 {
  [k: string]: unknown;
}
export interface Parameters2 {
  [k: string]: unknown;
}
/**
 * ``run.json``. ``status`` is "running" until the run ends; ``pid``/``host`` tell a reader
 * whether a "running" run still has a process.
 */
export interface RunRecord {
  cpu_s?: CpuS2;
  duration_s: DurationS5;
  error: Error6;
  finished_at: FinishedAt4;
  git: GitInfo;
  host: Host1;
  metrics: Metrics3;
  mlflow: MlflowInfo;
  mode: Mode1;
  notebook_hash: NotebookHash1;
  notebook_ops_version: NotebookOpsVersion2;
  options: RunOptions;
  parameters: Parameters3;
  peak_mem_mb?: PeakMemMb2;
  pid: Pid1;
  pipeline: Pipeline1;
  resumed_from: ResumedFrom1;
  run_dir: RunDir2;
  run_id: RunId3;
  source: Source2;
  started_at: StartedAt4;
  status: Status3;
  steps: Steps3;
  tags: Tags1;
  targets: Targets1;
  [k: string]: unknown;
}
export interface Metrics3 {
  [k: string]: unknown;
}
export interface Parameters3 {
  [k: string]: unknown;
}
export interface Steps3 {
  [k: string]: StepRecord;
}
export interface Tags1 {
  [k: string]: string;
}
