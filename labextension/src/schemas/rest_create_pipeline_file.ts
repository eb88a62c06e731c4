/* Generated from notebook_ops/model/schema/rest-create-pipeline-file.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Out = string | null;
export type Overwrite = boolean;
export type Path = string;

/**
 * POST pipeline-files: write the order inferred for the folder at ``path`` as a pipeline
 * file to edit (``out``: default ``<folder>/pipeline.yaml``); an existing file is kept (409)
 * unless ``overwrite``.
 */
export interface RestCreatePipelineFile {
  out?: Out;
  overwrite?: Overwrite;
  path: Path;
  [k: string]: unknown;
}
