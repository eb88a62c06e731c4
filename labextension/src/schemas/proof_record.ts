/* Generated from notebook_ops/model/schema/proof-record.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type { ProofRecord } from './shared';
