/* Generated from notebook_ops/model/schema/rest-inspect-pipeline.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Content = {
  [k: string]: unknown;
} | null;
export type Path = string;

/**
 * POST pipelines: the notebook at ``path``, or its unsaved ``content`` (nbformat JSON).
 */
export interface RestInspectPipeline {
  content?: Content;
  path: Path;
  [k: string]: unknown;
}
