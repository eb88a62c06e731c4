/* Generated from notebook_ops/model/schema/run-record.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type { RunRecord } from './shared';
