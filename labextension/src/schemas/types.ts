/* Generated from notebook_ops/model/schema/openapi.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * The alerts checked, in order, each as shown (never with its credential).
 */
export interface AlertChecksResponse {
  alerts: AlertView[];
  [k: string]: unknown;
}
/**
 * One alert as a face may show it: its destination masked (``shown``), its kind
 * (webhook, mail, env) and whether it was written with its credential in clear.
 */
export interface AlertView {
  carries_credential: boolean;
  format: 'auto' | 'slack' | 'teams' | 'json';
  kind: 'webhook' | 'mail' | 'env';
  on: ('run.failed' | 'target.missed' | 'model.promoted' | 'schedule.missed')[];
  to: string;
  [k: string]: unknown;
}
/**
 * One alert: a destination and the conditions it is sent on.
 */
export interface AlertSpec {
  format: 'auto' | 'slack' | 'teams' | 'json';
  on: ('run.failed' | 'target.missed' | 'model.promoted' | 'schedule.missed')[];
  to: string;
  [k: string]: unknown;
}
export interface CancelResponse {
  run_id: string;
  status: string;
  [k: string]: unknown;
}
/**
 * POST alert-checks: alerts as the lab is about to save them (a schedule's or the pipeline
 * settings'), each ``{to, on?, format?}``.
 */
export interface CheckAlerts {
  alerts: {
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
/**
 * One output or metric of a step: the proof run's value against the source run's.
 */
export interface ComparedValue {
  detail: string | null;
  kind: 'output' | 'metric';
  name: string;
  result: 'equal' | 'differs' | 'missing' | 'extra' | 'unseeded';
  [k: string]: unknown;
}
/**
 * POST exports: export the notebook at ``path`` into ``out_dir`` (relative to it).
 */
export interface CreateExport {
  allow_dirty?: boolean;
  out_dir?: string;
  path: string;
  prove?: boolean;
  [k: string]: unknown;
}
/**
 * POST pipeline-files: write the order inferred for the folder at ``path`` as a pipeline
 * file to edit (``out``: default ``<folder>/pipeline.yaml``); an existing file is kept (409)
 * unless ``overwrite``.
 */
export interface CreatePipelineFile {
  out?: string | null;
  overwrite?: boolean;
  path: string;
  [k: string]: unknown;
}
/**
 * POST runs: run the notebook at ``path`` (reply: the first ``RunView``, 202).
 */
export interface CreateRun {
  cache?: boolean;
  cluster?: string | null;
  data_url?: string | null;
  from_step?: string | null;
  jobs?: number | null;
  parameters?: {
    [k: string]: unknown;
  };
  path: string;
  steps?: string[] | string | null;
  track?: boolean;
  [k: string]: unknown;
}
/**
 * POST schedules: ``cron`` (a clock) or ``trigger`` (a topic URL), not both.
 */
export interface CreateSchedule {
  alerts?: {
    [k: string]: unknown;
  }[];
  catchup?: ('skip' | 'once' | 'all') | null;
  cron?: string | null;
  dead_letter_topic?: string | null;
  name?: string | null;
  parameters?: {
    [k: string]: unknown;
  };
  path: string;
  retries?: number | null;
  subscription?: string | null;
  timeout_s?: number | null;
  trigger?: string | null;
  tz?: string;
  [k: string]: unknown;
}
/**
 * POST elyra-edits: one edit of the Elyra pipeline at ``path`` (the lab's canvas), written
 * back as pipeline-flow v3 with every other field kept (``model/elyra_write.py``). ``file``
 * and ``target`` are server paths of the nodes' notebooks or scripts: ``add-node`` adds
 * ``file``; ``remove-node`` removes its node and the links to it; ``add-link`` makes
 * ``target`` run after ``file``; ``remove-link`` undoes that.
 */
export interface EditElyraPipeline {
  file: string;
  op: 'add-node' | 'remove-node' | 'add-link' | 'remove-link';
  path: string;
  target?: string | null;
  [k: string]: unknown;
}
/**
 * POST elyra-edits: the file written (relative to the server root) and what changed, as the
 * canvas' status line says it.
 */
export interface ElyraEditResponse {
  message: string;
  path: string;
  [k: string]: unknown;
}
/**
 * Every error: the exception's class name, one line, and where (file, cell, step).
 */
export interface ErrorResponse {
  cell: number | null;
  error: string;
  hint: string | null;
  message: string;
  path: string | null;
  problems?: ProblemView[] | null;
  step: string | null;
  [k: string]: unknown;
}
export interface ProblemView {
  cell: number | null;
  code: string;
  hint: string | null;
  message: string;
  severity: 'error' | 'warning' | 'info';
  step: string | null;
  [k: string]: unknown;
}
/**
 * POST exports (201): the version written (or kept: ``reused``), paths relative to the
 * server root.
 */
export interface ExportResponse {
  archive: string;
  content_sha256: string;
  folder: string;
  mlflow_run_id: string | null;
  name: string;
  proof: ProofRecord | null;
  proving: ProofProgress | null;
  readme: string | null;
  reused: boolean;
  tag: string | null;
  version: number;
  warnings: string[];
  [k: string]: unknown;
}
/**
 * ``proven``: every step ran in the clean env and (with a source run) gave equal results.
 */
export interface ProofRecord {
  bundle: string;
  content_sha256: string;
  date: string;
  duration_s: number;
  env_build_s: number;
  env_builder: 'uv' | 'pip';
  env_cached: boolean;
  notebook_ops_version: string;
  platform: string;
  proven: boolean;
  python: string;
  rtol: number;
  source_run: string | null;
  steps: {
    [k: string]: StepProof;
  };
  summary: string;
  version: number;
  [k: string]: unknown;
}
export interface StepProof {
  compared: ComparedValue[];
  duration_s: number | null;
  error: string | null;
  problem: string | null;
  status: 'equal' | 'ran' | 'differs' | 'unseeded' | 'failed' | 'not_run';
  [k: string]: unknown;
}
/**
 * GET proofs/{id}: a proof started by POST exports with ``prove``, where it is now (paths
 * relative to the server root). A failed proof is ``done`` with ``proof.proven`` false.
 */
export interface ProofProgress {
  bundle: string;
  error: string | null;
  finished_at: string | null;
  id: string;
  message: string;
  notebook: string;
  proof: ProofRecord | null;
  started_at: string;
  state: 'building_env' | 'running_step' | 'done' | 'error';
  step: string | null;
  step_index: number | null;
  steps_total: number | null;
  [k: string]: unknown;
}
/**
 * The actions this server offers: the lab shows a button only for a listed one.
 */
export interface Features {
  exports: boolean;
  models: boolean;
  remote_runs: boolean;
  runs: boolean;
  schedules: boolean;
  [k: string]: unknown;
}
/**
 * GET / : the server's version, what it offers, and the MLflow UI the panel links runs to
 * (c.NotebookOps.mlflow_ui_url; "" when none).
 */
export interface FeaturesResponse {
  features: Features;
  mlflow_ui_url: string;
  version: string;
  [k: string]: unknown;
}
/**
 * Why a notebook comes after another: ``what`` it gets from ``notebook``.
 */
export interface FolderLink {
  notebook: string;
  what: string;
  [k: string]: unknown;
}
/**
 * One notebook in run order.
 */
export interface FolderNotebook {
  gets: FolderLink[];
  number: number | null;
  path: string;
  runs: string[];
  steps: string[];
  [k: string]: unknown;
}
export interface FolderView {
  glob: string;
  helpers: string[];
  name: string;
  notebooks: FolderNotebook[];
  path: string;
  pipeline_file: string;
  pipeline_file_exists: boolean;
  [k: string]: unknown;
}
/**
 * Whether a version may be promoted now: its run succeeded and met every metric target
 * (and beat the alias it was compared with); ``reasons``: each check with its numbers.
 */
export interface GateVerdict {
  passed: boolean;
  reasons: string[];
  [k: string]: unknown;
}
export interface GitInfo {
  branch: string | null;
  commit: string | null;
  dirty: boolean | null;
  [k: string]: unknown;
}
/**
 * PUT scheduler: start (true) or stop (false) the scheduler hosted in this server.
 */
export interface HostScheduler {
  hosted: boolean;
  [k: string]: unknown;
}
/**
 * POST pipelines: the notebook at ``path``, or its unsaved ``content`` (nbformat JSON).
 */
export interface InspectPipeline {
  content?: {
    [k: string]: unknown;
  } | null;
  path: string;
  [k: string]: unknown;
}
/**
 * POST stale-steps: which steps of the notebook at ``path`` (or of its unsaved ``content``)
 * a run with ``parameters`` (as the Run dialog sends them) would run again.
 */
export interface InspectStaleSteps {
  content?: {
    [k: string]: unknown;
  } | null;
  parameters?: {
    [k: string]: unknown;
  };
  path: string;
  [k: string]: unknown;
}
/**
 * A metric either run logged, or one with a target: ``delta`` is b - a when both are
 * numbers; ``met_a``/``met_b`` whether each met the target (None: no target, not measured).
 */
export interface MetricComparison {
  a: unknown;
  b: unknown;
  delta: number | null;
  met_a: boolean | null;
  met_b: boolean | null;
  name: string;
  target: string | null;
  [k: string]: unknown;
}
export interface MlflowInfo {
  error: string | null;
  experiment_id: string | null;
  run_id: string | null;
  tracking_uri: string | null;
  [k: string]: unknown;
}
/**
 * One registered version: where it came from and what its run measured and cost.
 */
export interface ModelVersionView {
  aliases: string[];
  bundle: string | null;
  bundle_version: string | null;
  cpu_s: number | null;
  created_at: string;
  duration_s: number | null;
  gate: GateVerdict | null;
  git_commit: string | null;
  metrics: {
    [k: string]: number;
  };
  parameters: {
    [k: string]: string;
  };
  pipeline: string | null;
  promotions: Promotion[];
  run_id: string | null;
  status: string | null;
  step: string | null;
  targets: {
    [k: string]: string;
  };
  version: number;
  [k: string]: unknown;
}
/**
 * An alias pointed at the version: who, when, from which run, why, and whether the gate
 * passed or was forced (the version's ``notebook_ops.promoted.<alias>`` tag).
 */
export interface Promotion {
  alias: string;
  at: string;
  by: string;
  gate: string;
  run_id: string | null;
  why: string;
  [k: string]: unknown;
}
/**
 * A model the step registers (``nbo.log_model``); ``name`` None: computed at run time.
 */
export interface ModelView {
  cell: number | null;
  expression: string | null;
  name: string | null;
  [k: string]: unknown;
}
/**
 * GET models: the models in the MLflow store of the notebook's runs (only those a
 * pipeline registered, when ``pipeline`` is given); ``store``: whether there is a store.
 */
export interface ModelsResponse {
  models: RegisteredModelView[];
  store: boolean;
  [k: string]: unknown;
}
/**
 * A registered model: its aliases ({alias: version}) and its versions, newest first.
 */
export interface RegisteredModelView {
  aliases: {
    [k: string]: number;
  };
  name: string;
  total_versions: number;
  versions: ModelVersionView[];
  [k: string]: unknown;
}
/**
 * What a step's code actually did, seen in its kernel (audit hooks) and by a before/after
 * look at the project's files. Paths are project-relative, POSIX; lists sorted, no repeats.
 * Export reads the latest successful run's observation of the same code (``code_sha256``).
 */
export interface Observed {
  code_sha256: string;
  commands: string[];
  databases: string[];
  dirs: string[];
  distributions: {
    [k: string]: string;
  };
  extensions: string[];
  modules: string[];
  outside: string[];
  reads: string[];
  removed: string[];
  truncated: boolean;
  writes: string[];
  [k: string]: unknown;
}
/**
 * A parameter of either run; ``changed``: the two values differ (one missing counts).
 */
export interface ParameterComparison {
  a: unknown;
  b: unknown;
  changed: boolean;
  name: string;
  [k: string]: unknown;
}
export interface ParameterView {
  default: unknown;
  help: string;
  name: string;
  secret: boolean;
  type: string;
  [k: string]: unknown;
}
/**
 * POST pipeline-files (201): the file written, relative to the server root.
 */
export interface PipelineFileResponse {
  notebooks: number;
  path: string;
  [k: string]: unknown;
}
export interface PipelineView {
  cell_roles: ('code' | 'markdown' | 'setup' | 'parameters' | 'skip' | 'metrics' | 'raw')[];
  name: string;
  notebook_hash: string;
  notebooks: string[];
  parameters: ParameterView[];
  parameters_cell: number | null;
  path: string | null;
  problems: ProblemView[];
  settings: {
    [k: string]: unknown;
  };
  setup_cells: number[];
  steps: StepView[];
  [k: string]: unknown;
}
export interface StepView {
  after: string[];
  assets: string[];
  cells: number[];
  changed: string[];
  files_in: {
    [k: string]: string;
  };
  files_out: string[];
  input_candidates: {
    [k: string]: string[];
  };
  input_sources: {
    [k: string]: string;
  };
  inputs: string[];
  metrics: string[];
  models: ModelView[];
  modules: string[];
  name: string;
  notebook: string | null;
  options: {
    [k: string]: unknown;
  };
  outputs: string[];
  parameters_read: string[];
  start_cell: number | null;
  watch: string[];
  [k: string]: unknown;
}
/**
 * POST models/{name}/promote: point ``alias`` at ``version`` (default: the newest) if the
 * gate passes (``force``: anyway, recorded as forced); ``path``: the notebook whose store.
 */
export interface PromoteModel {
  alias: string;
  force: boolean;
  path: string;
  version: number | null;
  why: string;
  [k: string]: unknown;
}
/**
 * The promotion's outcome: ``promoted`` false when the gate refused (its reasons say why).
 */
export interface PromoteResponse {
  alias: string;
  gate: GateVerdict;
  name: string;
  promoted: boolean;
  version: number;
  [k: string]: unknown;
}
/**
 * GET proofs?path=NOTEBOOK: the proofs of its bundles this server runs or ran, newest first.
 */
export interface ProofsResponse {
  proofs: ProofProgress[];
  [k: string]: unknown;
}
/**
 * One run of a deployed pipeline in Airflow (``notebook_ops.deploy.airflow_push.describe_run``).
 */
export interface RemoteRun {
  conf: {
    [k: string]: unknown;
  };
  dag_id: string;
  end_date: string | null;
  queued_at: string | null;
  run_id: string;
  run_type: string | null;
  start_date: string | null;
  state: string | null;
  tasks: {
    [k: string]: RemoteTask;
  };
  url: string;
  [k: string]: unknown;
}
/**
 * One task instance of a remote run, as Airflow reports it (state None: not scheduled yet).
 */
export interface RemoteTask {
  end_date: string | null;
  hostname: string | null;
  pid: number | null;
  start_date: string | null;
  state: string | null;
  try_number: number | null;
  [k: string]: unknown;
}
/**
 * GET remote-runs: the runs of the configured Airflow's notebook-ops DAGs, newest first.
 */
export interface RemoteRunsResponse {
  airflow_url: string;
  runs: RemoteRun[];
  [k: string]: unknown;
}
/**
 * Two runs side by side (``notebook-ops runs compare A B``, ``GET runs/{a}/comparisons/{b}``):
 * their parameters, metrics with deltas and targets, and per step reused or re-ran, with times.
 */
export interface RunComparison {
  a: RunSide;
  b: RunSide;
  cpu_delta_s: number | null;
  duration_delta_s: number | null;
  metrics: MetricComparison[];
  parameters: ParameterComparison[];
  steps: StepComparison[];
  [k: string]: unknown;
}
/**
 * One of two runs compared: what it is and what it cost (``runs compare``).
 */
export interface RunSide {
  bundle_version: string | null;
  commit: string | null;
  cpu_s: number | null;
  duration_s: number | null;
  peak_mem_mb: number | null;
  run_id: string;
  started_at: string | null;
  status: 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled' | 'unreadable';
  [k: string]: unknown;
}
export interface StepComparison {
  a: StepSide;
  b: StepSide;
  duration_delta_s: number | null;
  name: string;
  outcome_a: 'reused' | 're-ran' | 'failed' | 'not run' | 'absent';
  outcome_b: 'reused' | 're-ran' | 'failed' | 'not run' | 'absent';
  same_inputs: boolean | null;
  [k: string]: unknown;
}
/**
 * A step in one of the runs; ``status`` None: the run has no such step.
 */
export interface StepSide {
  cached: boolean;
  cpu_s: number | null;
  duration_s: number | null;
  peak_mem_mb: number | null;
  status: ('pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled') | null;
  [k: string]: unknown;
}
export interface RunOptions {
  cache: boolean;
  cluster: string | null;
  data_url: string | null;
  jobs: number;
  kernels: string | null;
  single_kernel: boolean;
  steps: string[];
  [k: string]: unknown;
}
/**
 * A run as the REST API sends it (POST runs, GET runs and runs/{id}): its listing, and
 * always ``active``: whether this server can still cancel it (the lab's Cancel button).
 */
export interface RunView {
  active: boolean;
  cpu_s?: number | null;
  duration_s: number | null;
  error: string | null;
  finished_at: string | null;
  git: GitInfo;
  host: string | null;
  metrics: {
    [k: string]: unknown;
  };
  mlflow: MlflowInfo;
  mode: 'pipeline' | 'bundle';
  notebook_hash: string | null;
  notebook_ops_version: string | null;
  options: RunOptions;
  parameters: {
    [k: string]: unknown;
  };
  peak_mem_mb?: number | null;
  pid: number | null;
  pipeline: string | null;
  process_alive?: boolean | null;
  resumed_from: string | null;
  run_dir: string | null;
  run_id: string;
  source: string | null;
  started_at: string | null;
  status: 'running' | 'succeeded' | 'failed' | 'below_target' | 'cancelled' | 'unreadable';
  steps: {
    [k: string]: StepRecord;
  };
  tags: {
    [k: string]: string;
  };
  targets: TargetResult[];
  [k: string]: unknown;
}
/**
 * One step of a run. ``notebook`` / ``log``: paths of the executed notebook and its log.
 */
export interface StepRecord {
  attempts: number;
  cache_key: string | null;
  cached: boolean;
  cell: number | null;
  changed_at_run: string[];
  code_s?: number | null;
  cpu_s?: number | null;
  duration_s: number | null;
  error: string | null;
  finished_at: string | null;
  log: string | null;
  metrics: {
    [k: string]: unknown;
  };
  notebook: string | null;
  observed?: Observed | null;
  peak_mem_mb?: number | null;
  queued_s?: number | null;
  reused: string | null;
  started_at: string | null;
  startup_s?: number | null;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  worker: string | null;
  [k: string]: unknown;
}
/**
 * A metric target against the run's value; ``met`` None: not measured (a partial run).
 */
export interface TargetResult {
  condition: string;
  met: boolean | null;
  metric: string;
  value: unknown;
  [k: string]: unknown;
}
/**
 * GET runs: the notebook's runs, newest first.
 */
export interface RunsResponse {
  runs: RunView[];
  [k: string]: unknown;
}
/**
 * A stored schedule as the API returns it (the REST API leaves out ``workdir``: a path
 * on the server's disk).
 */
export interface ScheduleView {
  alerts: AlertSpec[];
  catchup: 'skip' | 'once' | 'all';
  created_at: string | null;
  cron: string;
  dead_letter_topic: string | null;
  id: number | null;
  kind: 'cron' | 'trigger';
  last_run: ScheduledRunView | null;
  max_concurrent: number;
  name: string;
  next_fire_at: string | null;
  overlap: 'queue' | 'skip';
  parameters: {
    [k: string]: unknown;
  };
  paused: boolean;
  recent_runs?: ScheduledRunView[] | null;
  retries: number;
  retry_delay_s: number;
  source: string | null;
  subscribed?: boolean | null;
  subscription: string | null;
  target: string;
  timeout_s: number | null;
  tz: string;
  upcoming: string[];
  updated_at: string | null;
  webhook: string | null;
  workdir?: string | null;
  [k: string]: unknown;
}
/**
 * One firing of a schedule and its (last) attempt; times are ISO 8601 UTC.
 */
export interface ScheduledRunView {
  attempt: number;
  child_pid: number | null;
  created_at: string | null;
  duration_s?: number | null;
  error: string | null;
  exit_code: number | null;
  finished_at: string | null;
  id: number | null;
  late_s?: number | null;
  lease_expires_at: string | null;
  message_id: string | null;
  metrics: {
    [k: string]: unknown;
  };
  mlflow_run_id: string | null;
  mlflow_tracking_uri: string | null;
  not_before: string | null;
  notified_at: string | null;
  owner: string | null;
  parameters: {
    [k: string]: unknown;
  };
  run_dir: string | null;
  run_id: string | null;
  schedule_id: number;
  schedule_name: string | null;
  scheduled_for: string;
  started_at: string | null;
  state:
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
  trigger: 'cron' | 'catchup' | 'manual' | 'message';
  [k: string]: unknown;
}
/**
 * GET/PUT scheduler: is a scheduler service firing this store's schedules? ``hosted``: one
 * runs in this server (``active``: it is firing); ``env_override``: NOTEBOOK_OPS_SCHEDULER,
 * which decides over the lab's setting when set.
 */
export interface SchedulerState {
  active: boolean;
  env_override: string | null;
  hosted: boolean;
  services: {
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
export interface SchedulesResponse {
  schedules: ScheduleView[];
  services: {
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
/**
 * POST alert-tests: one test message to ``to`` now, on ``on`` (its first condition is the
 * message's), shaped by ``format``; ``pipeline`` names what it is for in the message.
 */
export interface SendTestAlert {
  format: 'auto' | 'slack' | 'teams' | 'json';
  on: ('run.failed' | 'target.missed' | 'model.promoted' | 'schedule.missed')[];
  pipeline: string | null;
  to: string;
  [k: string]: unknown;
}
/**
 * Per step, in graph order, whether a run now would reuse it; ``stale``: the names of the
 * steps that would run (stale or never run).
 */
export interface StalenessView {
  cache: boolean;
  pipeline: string;
  stale: string[];
  steps: StepStaleness[];
  [k: string]: unknown;
}
export interface StepStaleness {
  details: string[];
  reasons: ('code' | 'parameters' | 'inputs' | 'files' | 'upstream' | 'cache_off' | 'unknown')[];
  run_id: string | null;
  state: 'fresh' | 'stale' | 'never_run';
  step: string;
  upstream: string[];
  [k: string]: unknown;
}
/**
 * GET runs/{id}/steps/{step} (format=json): the step's executed notebook (nbformat JSON).
 */
export interface StepNotebookResponse {
  content: {
    [k: string]: unknown;
  };
  name: string;
  run_id: string;
  step: string;
  [k: string]: unknown;
}
/**
 * Whether the destination took the test message (a webhook's 2xx, the SMTP server's 250);
 * when not, ``error``: its answer or why it was not sent, in one line, credentials masked.
 */
export interface TestAlertResponse {
  alert: AlertView;
  delivered: boolean;
  error?: string | null;
  [k: string]: unknown;
}
/**
 * PATCH schedules/{name}: pause or resume.
 */
export interface UpdateSchedule {
  paused: boolean;
  [k: string]: unknown;
}
