/* Generated from notebook_ops/model/schema/event-data.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { GitInfo, TargetResult } from './shared';

export type Data =
  RunStartedData | StepStartedData | StepFinishedData | RunFinishedData | BundleExportedData | ScheduleFiredData;
export type Mode = 'pipeline' | 'bundle';
export type NotebookHash = string | null;
export type RunDir = string;
export type Source = string | null;
export type Steps = string[];
export type Attempt = number;
export type Step = string;
export type Attempts = number;
export type Cached = boolean;
export type DurationS = number | null;
export type Error = string | null;
export type Status = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type Step1 = string;
export type BelowTarget = string[];
export type DurationS1 = number | null;
export type Error1 = string | null;
export type MlflowRunId = string | null;
export type RunDir1 = string;
export type Status1 = 'succeeded' | 'failed' | 'below_target' | 'cancelled';
export type Targets = TargetResult[];
export type Archive = string;
export type Commit = string | null;
export type ContentSha256 = string;
export type Dirty = boolean | null;
export type Folder = string;
export type Name = string;
export type Reused = boolean;
export type Tag = string | null;
export type Version = number;
export type Attempt1 = number | null;
export type Kind = 'cron' | 'trigger';
export type MessageId = string | null;
export type Name1 = string | null;
export type RunDir2 = string | null;
export type RunId = string | null;
export type ScheduleId = number | string;
export type ScheduledFor = string | null;
export type Target = string;
export type Id = string;
export type Pipeline = string | null;
export type Host = string;
export type NotebookOpsVersion = string;
export type Pid = number;
export type RunId1 = string | null;
export type SchemaVersion = 1;
export type Seq = number;
export type Time = string;
export type Type =
  'run.started' | 'step.started' | 'step.finished' | 'run.finished' | 'bundle.exported' | 'schedule.fired';

/**
 * The envelope with its data by type (for generated client types; consumers validate
 * against the published schema).
 */
export interface EventData {
  data: Data;
  id: Id;
  pipeline: Pipeline;
  producer: Producer;
  run_id: RunId1;
  schema_version: SchemaVersion;
  seq: Seq;
  time: Time;
  type: Type;
  [k: string]: unknown;
}
export interface RunStartedData {
  git: GitInfo | null;
  mode: Mode;
  notebook_hash: NotebookHash;
  parameters: Parameters;
  run_dir: RunDir;
  source: Source;
  steps: Steps;
  tags: Tags;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
export interface Tags {
  [k: string]: string;
}
export interface StepStartedData {
  attempt: Attempt;
  step: Step;
  [k: string]: unknown;
}
export interface StepFinishedData {
  attempts: Attempts;
  cached: Cached;
  duration_s: DurationS;
  error: Error;
  metrics: Metrics;
  status: Status;
  step: Step1;
  [k: string]: unknown;
}
export interface Metrics {
  [k: string]: unknown;
}
export interface RunFinishedData {
  below_target: BelowTarget;
  duration_s: DurationS1;
  error: Error1;
  metrics: Metrics1;
  mlflow_run_id: MlflowRunId;
  run_dir: RunDir1;
  status: Status1;
  steps: Steps1;
  targets: Targets;
  [k: string]: unknown;
}
export interface Metrics1 {
  [k: string]: unknown;
}
export interface Steps1 {
  [k: string]: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
}
export interface BundleExportedData {
  archive: Archive;
  commit: Commit;
  content_sha256: ContentSha256;
  dirty: Dirty;
  folder: Folder;
  name: Name;
  reused: Reused;
  tag: Tag;
  version: Version;
  [k: string]: unknown;
}
export interface ScheduleFiredData {
  attempt?: Attempt1;
  kind: Kind;
  message_id?: MessageId;
  name?: Name1;
  parameters: Parameters1;
  run_dir?: RunDir2;
  run_id: RunId;
  schedule_id: ScheduleId;
  scheduled_for: ScheduledFor;
  target: Target;
  [k: string]: unknown;
}
export interface Parameters1 {
  [k: string]: unknown;
}
export interface Producer {
  host: Host;
  notebook_ops_version: NotebookOpsVersion;
  pid: Pid;
  [k: string]: unknown;
}
