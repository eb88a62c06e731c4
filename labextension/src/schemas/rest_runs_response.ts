/* Generated from notebook_ops/model/schema/rest-runs-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { RunListing } from './shared';

export type Runs = RunListing[];

/**
 * GET runs: the notebook's runs, newest first.
 */
export interface RestRunsResponse {
  runs: Runs;
  [k: string]: unknown;
}
