/* Generated from notebook_ops/model/schema/rest-schedules-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

import type { ScheduleView } from './shared';

export type Schedules = ScheduleView[];
export type Services = {
  [k: string]: unknown;
}[];

/**
 * SchedulesResponse
 */
export interface RestSchedulesResponse {
  schedules: Schedules;
  services: Services;
  [k: string]: unknown;
}
