/* Generated from notebook_ops/model/schema/rest-error.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Cell = number | null;
export type Error = string;
export type Hint = string | null;
export type Message = string;
export type Path = string | null;
export type Problems = ProblemView[] | null;
export type Cell1 = number | null;
export type Code = string;
export type Hint1 = string | null;
export type Message1 = string;
export type Severity = 'error' | 'warning' | 'info';
export type Step = string | null;
export type Step1 = string | null;

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
  step: Step1;
  [k: string]: unknown;
}
export interface ProblemView {
  cell: Cell1;
  code: Code;
  hint: Hint1;
  message: Message1;
  severity: Severity;
  step: Step;
  [k: string]: unknown;
}
