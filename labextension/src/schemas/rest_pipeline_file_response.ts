/* Generated from notebook_ops/model/schema/rest-pipeline-file-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Notebooks = number;
export type Path = string;

/**
 * POST pipeline-files (201): the file written, relative to the server root.
 */
export interface RestPipelineFileResponse {
  notebooks: Notebooks;
  path: Path;
  [k: string]: unknown;
}
