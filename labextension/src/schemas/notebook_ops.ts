/* Generated from notebook_ops/model/schema/notebook_ops.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * notebook-ops pipeline settings (notebook metadata.notebook_ops)
 */
export interface NotebookOps {
  /**
   * Pipeline name (default: the notebook's file name).
   */
  name?: string;
  /**
   * Who to ask about this pipeline (team or e-mail).
   */
  owner?: string;
  /**
   * What the pipeline is for, one or two sentences.
   */
  objective?: string;
  /**
   * Metric name -> condition, e.g. {"accuracy": ">= 0.9"}; a run that misses one is 'below target'.
   */
  metric_targets?: {
    [k: string]: string;
  };
  defaults?: StepOptions;
  /**
   * Per-step options by step name.
   */
  steps?: {
    [k: string]: StepOptions1;
  };
  /**
   * How step kernels start: 'fork' from one process per run that imported ipykernel and the setup cells' libraries once (Linux and macOS; falls back to fresh kernels when unsafe), or 'fresh' (a new interpreter per step). Default: fork; --kernels overrides it.
   */
  kernels?: 'fork' | 'fresh';
  /**
   * Parameters whose values are secrets (as '# secret' after the value in the parameters cell): never written to run records, events, MLflow, logs or notebooks; they reach the kernel through its environment (NOTEBOOK_OPS_SECRET_<NAME>) and, in bundles, through each target's secret mechanism.
   */
  secrets?: string[];
  /**
   * The data store steps read their inputs from and write their outputs to, for every run of this notebook (--data-url wins): a folder, or an fsspec URL such as s3://bucket/prefix, gs://..., az://.... An exported bundle's requirements then include the store's fsspec backend (s3fs, gcsfs, adlfs). No credentials in it: they come from the environment of whatever runs the steps.
   */
  data_url?: string;
  /**
   * Run each step as a task on this Dask cluster (tcp://HOST:8786), 'local' to run here; NOTEBOOK_OPS_CLUSTER and --cluster win. Needs a data_url every worker reaches.
   */
  cluster?: string;
  /**
   * Event sinks every run of this notebook publishes to, besides NOTEBOOK_OPS_EVENTS and --events: pulsar://host:port/topic (or pulsar+ssl://...?tls_trust_certs=/ca.pem&token_file=/path), http(s):// webhooks, a JSON-lines file (a relative path is beside the notebook). No credentials in them: the notebook is shared.
   */
  events?: string[];
  schedules?: {
    name?: string;
    cron: string;
    tz?: string;
    parameters?: {
      [k: string]: unknown;
    };
    catchup?: 'skip' | 'once' | 'all';
  }[];
  /**
   * Data files the bundle carries (found by reading the code: literal paths passed to pd.read_csv, open, np.load...). include: more paths; exclude: glob patterns never shipped; allow_secrets: files that look like credentials but are not (a file that does is refused at export); external: a path read from a URL instead (it becomes a str parameter, default the URL, fetched with fsspec before the step runs). Paths as the code names them, relative to the notebook's folder.
   */
  assets?: {
    include?: string[];
    exclude?: string[];
    /**
     * Glob patterns of shipped files that look like credentials (by name or content) but are not: export ships them instead of refusing. Paths as in exclude, or relative to the project's top folder.
     */
    allow_secrets?: string[];
    external?: {
      [k: string]:
        | string
        | {
            url: string;
            parameter?: string;
          };
    };
  };
  /**
   * After each tracked run, promote the newest version of this registered model (nbo.log_model) to the alias if the run met its metric_targets (and, with vs, beats that alias's version on metric, else the first target). E.g. {"model": "churn-clf", "alias": "champion", "vs": "champion"}.
   */
  promote?: {
    model: string;
    alias: string;
    vs?: string;
    metric?: string;
  };
  /**
   * Who is told when a run fails, misses a metric target, promotes a model or a schedule misses a firing: webhooks (Slack/Teams message format) and e-mail. Each item a destination (https://..., mailto:ops@example.com, or env:NAME to read the destination from the environment where the alert is sent) or {"to": ..., "on": ["run.failed", "target.missed", "model.promoted", "schedule.missed"], "format": "auto"}. SMTP settings and credentials come from the environment (NOTEBOOK_OPS_SMTP_*), never from here.
   */
  alerts?: (
    | string
    | {
        to: string;
        /**
         * @minItems 1
         */
        on?: [
          'run.failed' | 'target.missed' | 'model.promoted' | 'schedule.missed',
          ...('run.failed' | 'target.missed' | 'model.promoted' | 'schedule.missed')[]
        ];
        format?: 'auto' | 'slack' | 'teams' | 'json';
      }
  )[];
  /**
   * What one CPU hour costs (in your currency): notebook-ops runs stats turns each run's CPU seconds into a cost per run, next to the metric targets. E.g. 0.05.
   */
  cost_per_cpu_hour?: number;
  /**
   * How values of some libraries travel between steps. sklearn: 'cloudpickle' (default: any estimator, loaded with pickle) or 'skops' (safe loading: skops refuses types it has not vetted, and a step whose estimator holds one fails when it saves it).
   */
  serializers?: {
    sklearn?: 'cloudpickle' | 'skops';
  };
  /**
   * Export options.
   */
  bundle?: {
    /**
     * Size limit of the data files shipped under assets/, in MB, all together (default 100).
     */
    max_asset_mb?: number;
  };
}
/**
 * Options applied to every step unless the step overrides them.
 */
export interface StepOptions {
  retries?: number;
  /**
   * Seconds before a retry.
   */
  retry_delay?: number;
  /**
   * Seconds a step may run.
   */
  timeout?: number;
  cache?: boolean;
  image?: string;
  resources?: {
    cpu?: string | number;
    memory?: string;
    gpu?: number;
    gpu_vendor?: string;
  };
  /**
   * Kubernetes pod annotations of the step (Kale's annotation:KEY:VALUE)
   */
  annotations?: {
    [k: string]: string;
  };
  /**
   * Kubernetes pod labels of the step (Kale's label:KEY:VALUE)
   */
  labels?: {
    [k: string]: string;
  };
}
export interface StepOptions1 {
  retries?: number;
  /**
   * Seconds before a retry.
   */
  retry_delay?: number;
  /**
   * Seconds a step may run.
   */
  timeout?: number;
  cache?: boolean;
  image?: string;
  resources?: {
    cpu?: string | number;
    memory?: string;
    gpu?: number;
    gpu_vendor?: string;
  };
  /**
   * Kubernetes pod annotations of the step (Kale's annotation:KEY:VALUE)
   */
  annotations?: {
    [k: string]: string;
  };
  /**
   * Kubernetes pod labels of the step (Kale's label:KEY:VALUE)
   */
  labels?: {
    [k: string]: string;
  };
}
