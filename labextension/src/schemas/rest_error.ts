/* Generated from notebook_ops/model/schema/rest-error.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ProblemView } from './shared';

export type Cell = number | null;
export type Error = string;
export type Hint = string | null;
export type Message = string;
export type Path = string | null;
export type Problems = ProblemView[] | null;
export type Step = string | null;

/**
 * Every error: the exception's class name, one line, and where (file, cell, step).
 */
export interface RestError {
  cell: Cell;
  error: Error;
  hint: Hint;
  message: Message;
  path: Path;
  problems?: Problems;
  step: Step;
  [k: string]: unknown;
}
