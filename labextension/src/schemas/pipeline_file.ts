/* Generated from notebook_ops/model/schema/pipeline-file.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * notebook-ops pipeline file: notebooks and their order in one place
 */
export interface PipelineFile {
  /**
   * The file format's version (1).
   */
  version?: 1;
  /**
   * Pipeline name (default: the file's name).
   */
  name?: string;
  /**
   * Pipeline settings, as in a notebook's metadata.notebook_ops (owner, objective, metric_targets, defaults, steps, schedules, events); checked by that schema.
   */
  settings?: {
    [k: string]: unknown;
  };
  /**
   * The notebooks of the pipeline. A notebook's after: tags still count.
   *
   * @minItems 1
   */
  notebooks: [
    {
      /**
       * The notebook, relative to this file.
       */
      path: string;
      /**
       * What must finish before the notebook's first steps: NOTEBOOK (all of it) or NOTEBOOK:STEP, paths relative to this file without .ipynb.
       */
      after?: string[];
    },
    ...{
      /**
       * The notebook, relative to this file.
       */
      path: string;
      /**
       * What must finish before the notebook's first steps: NOTEBOOK (all of it) or NOTEBOOK:STEP, paths relative to this file without .ipynb.
       */
      after?: string[];
    }[]
  ];
}
