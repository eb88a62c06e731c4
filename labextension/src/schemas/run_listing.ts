/* Generated from notebook_ops/model/schema/run-listing.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type { RunListing } from './shared';
