/* Generated from notebook_ops/model/schema/scheduled-run-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type { ScheduledRunView } from './shared';
