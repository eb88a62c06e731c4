/* Generated from notebook_ops/model/schema/rest-update-schedule.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type Paused = boolean;

/**
 * PATCH schedules/{name}: pause or resume.
 */
export interface RestUpdateSchedule {
  paused: Paused;
  [k: string]: unknown;
}
