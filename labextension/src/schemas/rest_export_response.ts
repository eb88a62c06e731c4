/* Generated from notebook_ops/model/schema/rest-export-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ProofProgress, ProofRecord } from './shared';

export type Archive = string;
export type ContentSha256 = string;
export type Folder = string;
export type MlflowRunId = string | null;
export type Name = string;
export type Readme = string | null;
export type Reused = boolean;
export type Tag = string | null;
export type Version = number;
export type Warnings = string[];

/**
 * POST exports (201): the version written (or kept: ``reused``), paths relative to the
 * server root.
 */
export interface RestExportResponse {
  archive: Archive;
  content_sha256: ContentSha256;
  folder: Folder;
  mlflow_run_id: MlflowRunId;
  name: Name;
  proof: ProofRecord | null;
  proving: ProofProgress | null;
  readme: Readme;
  reused: Reused;
  tag: Tag;
  version: Version;
  warnings: Warnings;
  [k: string]: unknown;
}
