/* Generated from notebook_ops/model/schema/run-progress.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { RunRecord } from './shared';

export type Event = 'run_started' | 'step_started' | 'step_retry' | 'step_finished' | 'run_finished';
export type RunId = string;
export type Status = string;
export type Step = string | null;

/**
 * What the runner tells a ``progress`` callback after each change: the whole record as it
 * is at that moment (``status``: the step's for step events, else the run's).
 */
export interface RunProgress {
  event: Event;
  run: RunRecord;
  run_id: RunId;
  status: Status;
  step?: Step;
  [k: string]: unknown;
}
