/* Generated from notebook_ops/model/schema/folder-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Glob = string;
export type Helpers = string[];
export type Name = string;
export type Notebook = string;
export type What = string;
export type Gets = FolderLink[];
export type Number = number | null;
export type Path = string;
export type Runs = string[];
export type Steps = string[];
export type Notebooks = FolderNotebook[];
export type Path1 = string;
export type PipelineFile = string;
export type PipelineFileExists = boolean;

/**
 * FolderView
 */
export interface FolderView {
  glob: Glob;
  helpers: Helpers;
  name: Name;
  notebooks: Notebooks;
  path: Path1;
  pipeline_file: PipelineFile;
  pipeline_file_exists: PipelineFileExists;
  [k: string]: unknown;
}
/**
 * One notebook in run order.
 */
export interface FolderNotebook {
  gets: Gets;
  number: Number;
  path: Path;
  runs: Runs;
  steps: Steps;
  [k: string]: unknown;
}
/**
 * Why a notebook comes after another: ``what`` it gets from ``notebook``.
 */
export interface FolderLink {
  notebook: Notebook;
  what: What;
  [k: string]: unknown;
}
