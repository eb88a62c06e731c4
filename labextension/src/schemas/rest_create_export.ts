/* Generated from notebook_ops/model/schema/rest-create-export.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type AllowDirty = boolean;
export type OutDir = string;
export type Path = string;
export type Prove = boolean;

/**
 * POST exports: export the notebook at ``path`` into ``out_dir`` (relative to it).
 */
export interface RestCreateExport {
  allow_dirty?: AllowDirty;
  out_dir?: OutDir;
  path: Path;
  prove?: Prove;
  [k: string]: unknown;
}
