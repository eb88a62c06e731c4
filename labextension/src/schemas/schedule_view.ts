/* Generated from notebook_ops/model/schema/schedule-view.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type { ScheduleView } from './shared';
