/* Generated from notebook_ops/model/schema/schedule-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Catchup = 'skip' | 'once' | 'all';
export type CreatedAt = string | null;
export type Cron = string;
export type DeadLetterTopic = string | null;
export type Id = number | null;
export type Kind = 'cron' | 'trigger';
export type Attempt = number;
export type ChildPid = number | null;
export type CreatedAt1 = string | null;
export type DurationS = number | null;
export type Error = string | null;
export type ExitCode = number | null;
export type FinishedAt = string | null;
export type Id1 = number | null;
export type LateS = number | null;
export type LeaseExpiresAt = string | null;
export type MessageId = string | null;
export type MlflowRunId = string | null;
export type MlflowTrackingUri = string | null;
export type NotBefore = string | null;
export type NotifiedAt = string | null;
export type Owner = string | null;
export type RunDir = string | null;
export type RunId = string | null;
export type ScheduleId = number;
export type ScheduleName = string | null;
export type ScheduledFor = string;
export type StartedAt = string | null;
export type State =
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
export type Name = string;
export type NextFireAt = string | null;
export type Overlap = 'queue' | 'skip';
export type Paused = boolean;
export type RecentRuns = ScheduledRunView[] | null;
export type Retries = number;
export type RetryDelayS = number;
export type Source = string | null;
export type Subscribed = boolean | null;
export type Subscription = string | null;
export type Target = string;
export type TimeoutS = number | null;
export type Tz = string;
export type Upcoming = string[];
export type UpdatedAt = string | null;
export type Webhook = string | null;
export type Workdir = string | null;

/**
 * A stored schedule as the API returns it (the REST API leaves out ``workdir``: a path
 * on the server's disk).
 */
export interface ScheduleView {
  catchup: Catchup;
  created_at: CreatedAt;
  cron: Cron;
  dead_letter_topic: DeadLetterTopic;
  id: Id;
  kind: Kind;
  last_run: ScheduledRunView | null;
  max_concurrent: MaxConcurrent;
  name: Name;
  next_fire_at: NextFireAt;
  overlap: Overlap;
  parameters: Parameters1;
  paused: Paused;
  recent_runs?: RecentRuns;
  retries: Retries;
  retry_delay_s: RetryDelayS;
  source: Source;
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
  duration_s?: DurationS;
  error: Error;
  exit_code: ExitCode;
  finished_at: FinishedAt;
  id: Id1;
  late_s?: LateS;
  lease_expires_at: LeaseExpiresAt;
  message_id: MessageId;
  metrics: Metrics;
  mlflow_run_id: MlflowRunId;
  mlflow_tracking_uri: MlflowTrackingUri;
  not_before: NotBefore;
  notified_at: NotifiedAt;
  owner: Owner;
  parameters: Parameters;
  run_dir: RunDir;
  run_id: RunId;
  schedule_id: ScheduleId;
  schedule_name: ScheduleName;
  scheduled_for: ScheduledFor;
  started_at: StartedAt;
  state: State;
  trigger: Trigger;
  [k: string]: unknown;
}
export interface Metrics {
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
export interface Parameters1 {
  [k: string]: unknown;
}
