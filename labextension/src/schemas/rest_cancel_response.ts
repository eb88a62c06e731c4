/* Generated from notebook_ops/model/schema/rest-cancel-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type RunId = string;
export type Status = string;

/**
 * CancelResponse
 */
export interface RestCancelResponse {
  run_id: RunId;
  status: Status;
  [k: string]: unknown;
}
