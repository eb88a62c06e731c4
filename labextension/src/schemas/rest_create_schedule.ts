/* Generated from notebook_ops/model/schema/rest-create-schedule.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Catchup = ('skip' | 'once' | 'all') | null;
export type Cron = string | null;
export type DeadLetterTopic = string | null;
export type Name = string | null;
export type Path = string;
export type Retries = number | null;
export type Subscription = string | null;
export type TimeoutS = number | null;
export type Trigger = string | null;
export type Tz = string;

/**
 * POST schedules: ``cron`` (a clock) or ``trigger`` (a topic URL), not both.
 */
export interface RestCreateSchedule {
  catchup?: Catchup;
  cron?: Cron;
  dead_letter_topic?: DeadLetterTopic;
  name?: Name;
  parameters?: Parameters;
  path: Path;
  retries?: Retries;
  subscription?: Subscription;
  timeout_s?: TimeoutS;
  trigger?: Trigger;
  tz?: Tz;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
