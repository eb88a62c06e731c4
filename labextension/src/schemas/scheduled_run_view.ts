/* Generated from notebook_ops/model/schema/scheduled-run-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Attempt = number;
export type ChildPid = number | null;
export type CreatedAt = string | null;
export type DurationS = number | null;
export type Error = string | null;
export type ExitCode = number | null;
export type FinishedAt = string | null;
export type Id = number | null;
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

/**
 * One firing of a schedule and its (last) attempt; times are ISO 8601 UTC.
 */
export interface ScheduledRunView {
  attempt: Attempt;
  child_pid: ChildPid;
  created_at: CreatedAt;
  duration_s?: DurationS;
  error: Error;
  exit_code: ExitCode;
  finished_at: FinishedAt;
  id: Id;
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
