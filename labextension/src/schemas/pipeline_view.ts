/* Generated from notebook_ops/model/schema/pipeline-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ProblemView } from './shared';

export type CellRoles = ('code' | 'markdown' | 'setup' | 'parameters' | 'skip' | 'metrics' | 'raw')[];
export type Name = string;
export type NotebookHash = string;
export type Notebooks = string[];
export type Help = string;
export type Name1 = string;
export type Secret = boolean;
export type Type = string;
export type Parameters = ParameterView[];
export type ParametersCell = number | null;
export type Path = string | null;
export type Problems = ProblemView[];
export type SetupCells = number[];
export type After = string[];
export type Assets = string[];
export type Cells = number[];
export type Changed = string[];
export type FilesOut = string[];
export type Inputs = string[];
export type Metrics = string[];
export type Modules = string[];
export type Name2 = string;
export type Notebook = string | null;
export type Outputs = string[];
export type ParametersRead = string[];
export type StartCell = number | null;
export type Watch = string[];
export type Steps = StepView[];

/**
 * PipelineView
 */
export interface PipelineView {
  cell_roles: CellRoles;
  name: Name;
  notebook_hash: NotebookHash;
  notebooks: Notebooks;
  parameters: Parameters;
  parameters_cell: ParametersCell;
  path: Path;
  problems: Problems;
  settings: Settings;
  setup_cells: SetupCells;
  steps: Steps;
  [k: string]: unknown;
}
export interface ParameterView {
  default: Default;
  help: Help;
  name: Name1;
  secret: Secret;
  type: Type;
  [k: string]: unknown;
}
export interface Default {
  [k: string]: unknown;
}
export interface Settings {
  [k: string]: unknown;
}
export interface StepView {
  after: After;
  assets: Assets;
  cells: Cells;
  changed: Changed;
  files_in: FilesIn;
  files_out: FilesOut;
  input_candidates: InputCandidates;
  input_sources: InputSources;
  inputs: Inputs;
  metrics: Metrics;
  modules: Modules;
  name: Name2;
  notebook: Notebook;
  options: Options;
  outputs: Outputs;
  parameters_read: ParametersRead;
  start_cell: StartCell;
  watch: Watch;
  [k: string]: unknown;
}
export interface FilesIn {
  [k: string]: string;
}
export interface InputCandidates {
  [k: string]: string[];
}
export interface InputSources {
  [k: string]: string;
}
export interface Options {
  [k: string]: unknown;
}
