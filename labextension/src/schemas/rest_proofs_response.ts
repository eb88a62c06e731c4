/* Generated from notebook_ops/model/schema/rest-proofs-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ProofProgress } from './shared';

export type Proofs = ProofProgress[];

/**
 * GET proofs?path=NOTEBOOK: the proofs of its bundles this server runs or ran, newest first.
 */
export interface RestProofsResponse {
  proofs: Proofs;
  [k: string]: unknown;
}
