/* Generated from notebook_ops/events/schema/event.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * One envelope for every event notebook-ops publishes (run, step, export, schedule). Consumers switch on `type` and read `data`; `id` is unique, so a consumer can drop the duplicates an at-least-once sink may deliver.
 */
export type Event = {
  [k: string]: unknown;
} & {
  schema_version: 1;
  id: string;
  type: 'run.started' | 'step.started' | 'step.finished' | 'run.finished' | 'bundle.exported' | 'schedule.fired';
  time: string;
  pipeline: string | null;
  run_id: string | null;
  /**
   * Order of the event among those of the same run (0 for events outside a run).
   */
  seq: number;
  producer: {
    host: string;
    pid: number;
    notebook_ops_version: string;
    [k: string]: unknown;
  };
  data: {
    [k: string]: unknown;
  };
};
