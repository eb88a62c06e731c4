/* Generated from notebook_ops/model/schema/schedule-spec.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Catchup = 'skip' | 'once' | 'all';
export type Cron = string;
export type DeadLetterTopic = string | null;
export type Kind = 'cron' | 'trigger';
export type MaxConcurrent = number;
export type Name = string;
export type Overlap = 'queue' | 'skip';
export type Paused = boolean;
export type Retries = number;
export type RetryDelayS = number;
export type Source = string | null;
export type Subscription = string | null;
export type Target = string;
export type TimeoutS = number | null;
export type Tz = string;
export type Webhook = string | null;
export type Workdir = string;

/**
 * ScheduleSpec
 */
export interface ScheduleSpec {
  catchup?: Catchup;
  cron?: Cron;
  dead_letter_topic?: DeadLetterTopic;
  kind?: Kind;
  max_concurrent?: MaxConcurrent;
  name: Name;
  overlap?: Overlap;
  parameters?: Parameters;
  paused?: Paused;
  retries?: Retries;
  retry_delay_s?: RetryDelayS;
  source?: Source;
  subscription?: Subscription;
  target: Target;
  timeout_s?: TimeoutS;
  tz?: Tz;
  webhook?: Webhook;
  workdir?: Workdir;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
