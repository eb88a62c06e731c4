/* Generated from notebook_ops/model/schema/rest-create-run.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Cache = boolean;
export type Cluster = string | null;
export type DataUrl = string | null;
export type FromStep = string | null;
export type Jobs = number | null;
export type Path = string;
export type Steps = string[] | string | null;
export type Track = boolean;

/**
 * POST runs: run the notebook at ``path`` (reply: the first ``RunListing``, 202).
 */
export interface RestCreateRun {
  cache?: Cache;
  cluster?: Cluster;
  data_url?: DataUrl;
  from_step?: FromStep;
  jobs?: Jobs;
  parameters?: Parameters;
  path: Path;
  steps?: Steps;
  track?: Track;
  [k: string]: unknown;
}
export interface Parameters {
  [k: string]: unknown;
}
