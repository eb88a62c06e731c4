/* Generated from notebook_ops/model/schema/rest-proof-progress.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ProofRecord } from './shared';

export type Bundle = string;
export type Error = string | null;
export type FinishedAt = string | null;
export type Id = string;
export type Message = string;
export type Notebook = string;
export type StartedAt = string;
export type State = 'building_env' | 'running_step' | 'done' | 'error';
export type Step = string | null;
export type StepIndex = number | null;
export type StepsTotal = number | null;

/**
 * GET proofs/{id}: a proof started by POST exports with ``prove``, where it is now (paths
 * relative to the server root). A failed proof is ``done`` with ``proof.proven`` false.
 */
export interface RestProofProgress {
  bundle: Bundle;
  error: Error;
  finished_at: FinishedAt;
  id: Id;
  message: Message;
  notebook: Notebook;
  proof: ProofRecord | null;
  started_at: StartedAt;
  state: State;
  step: Step;
  step_index: StepIndex;
  steps_total: StepsTotal;
  [k: string]: unknown;
}
