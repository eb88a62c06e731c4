/* Generated from notebook_ops/model/schema/proof-record.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Bundle = string;
export type ContentSha256 = string;
export type Date = string;
export type DurationS = number;
export type EnvBuildS = number;
export type EnvBuilder = 'uv' | 'pip';
export type EnvCached = boolean;
export type NotebookOpsVersion = string;
export type Platform = string;
export type Proven = boolean;
export type Python = string;
export type Rtol = number;
export type SourceRun = string | null;
export type Detail = string | null;
export type Kind = 'output' | 'metric';
export type Name = string;
export type Result = 'equal' | 'differs' | 'missing' | 'extra' | 'unseeded';
export type Compared = ComparedValue[];
export type DurationS1 = number | null;
export type Error = string | null;
export type Problem = string | null;
export type Status = 'equal' | 'ran' | 'differs' | 'unseeded' | 'failed' | 'not_run';
export type Summary = string;
export type Version = number;

/**
 * ``proven``: every step ran in the clean env and (with a source run) gave equal results.
 */
export interface ProofRecord {
  bundle: Bundle;
  content_sha256: ContentSha256;
  date: Date;
  duration_s: DurationS;
  env_build_s: EnvBuildS;
  env_builder: EnvBuilder;
  env_cached: EnvCached;
  notebook_ops_version: NotebookOpsVersion;
  platform: Platform;
  proven: Proven;
  python: Python;
  rtol: Rtol;
  source_run: SourceRun;
  steps: Steps;
  summary: Summary;
  version: Version;
  [k: string]: unknown;
}
export interface Steps {
  [k: string]: StepProof;
}
export interface StepProof {
  compared: Compared;
  duration_s: DurationS1;
  error: Error;
  problem: Problem;
  status: Status;
  [k: string]: unknown;
}
/**
 * One output or metric of a step: the proof run's value against the source run's.
 */
export interface ComparedValue {
  detail: Detail;
  kind: Kind;
  name: Name;
  result: Result;
  [k: string]: unknown;
}
