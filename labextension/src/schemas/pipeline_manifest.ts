/* Generated from notebook_ops/bundle/schema/pipeline-manifest.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * What a bundle contains and where it came from. Written by `notebook-ops export`, read by `notebook-ops run|verify|diff` and by anyone deploying the bundle.
 */
export interface PipelineManifest {
  /**
   * Bumped on any incompatible change of this file's shape.
   */
  schema_version: 1;
  name: string;
  /**
   * Increasing per pipeline name; the git tag is notebook-ops/<name>/v<version>.
   */
  version: number;
  owner?: string | null;
  objective?: string | null;
  kernel: {
    name: string;
    language: string;
  };
  parameters: {
    name: string;
    type: 'int' | 'float' | 'str' | 'bool' | 'list' | 'dict' | 'tuple' | 'NoneType';
    default?: unknown;
    secret?: true;
    help?: string;
  }[];
  /**
   * In graph order: every step comes after the steps in its `after`.
   *
   * @minItems 1
   */
  steps: [
    {
      name: string;
      notebook: string;
      /**
       * A pipeline across notebooks: the notebook (or script) the step comes from, relative to the entry notebook's folder or the pipeline file.
       */
      source?: string;
      after: string[];
      inputs: string[];
      input_sources?: {
        [k: string]: string;
      };
      input_candidates?: {
        [k: string]: string[];
      };
      outputs: string[];
      changed?: string[];
      watch?: string[];
      parameters?: string[];
      metrics?: string[];
      /**
       * Project-relative paths of the local modules the step imports (under code/).
       */
      modules?: string[];
      /**
       * Project-relative data files and folders the step reads (under assets/).
       */
      assets?: string[];
      /**
       * Files an upstream step writes for this one: path as the code names it -> producing step; staged in from the data store.
       */
      files_in?: {
        [k: string]: string;
      };
      /**
       * Files this step writes that a later step reads; saved to the data store.
       */
      files_out?: string[];
      /**
       * Where the executed step notebook is also written after the step, relative to the kernels' working folder (Ploomber's nb product); not handed on through the data store.
       */
      notebook_product?: string;
      options?: {
        [k: string]: unknown;
      };
      /**
       * cpu, memory, gpu (count) and gpu_vendor (a vendor domain such as nvidia.com or amd.com, or a whole resource name), and any other Kubernetes resource a Kale limit: tag names (ephemeral-storage, example.com/fpga) with its amount.
       */
      resources?: {
        cpu?: string | number | null;
        memory?: string | number | null;
        gpu?: string | number | null;
        gpu_vendor?: string | null;
        [k: string]: unknown;
      };
    },
    ...{
      name: string;
      notebook: string;
      /**
       * A pipeline across notebooks: the notebook (or script) the step comes from, relative to the entry notebook's folder or the pipeline file.
       */
      source?: string;
      after: string[];
      inputs: string[];
      input_sources?: {
        [k: string]: string;
      };
      input_candidates?: {
        [k: string]: string[];
      };
      outputs: string[];
      changed?: string[];
      watch?: string[];
      parameters?: string[];
      metrics?: string[];
      /**
       * Project-relative paths of the local modules the step imports (under code/).
       */
      modules?: string[];
      /**
       * Project-relative data files and folders the step reads (under assets/).
       */
      assets?: string[];
      /**
       * Files an upstream step writes for this one: path as the code names it -> producing step; staged in from the data store.
       */
      files_in?: {
        [k: string]: string;
      };
      /**
       * Files this step writes that a later step reads; saved to the data store.
       */
      files_out?: string[];
      /**
       * Where the executed step notebook is also written after the step, relative to the kernels' working folder (Ploomber's nb product); not handed on through the data store.
       */
      notebook_product?: string;
      options?: {
        [k: string]: unknown;
      };
      /**
       * cpu, memory, gpu (count) and gpu_vendor (a vendor domain such as nvidia.com or amd.com, or a whole resource name), and any other Kubernetes resource a Kale limit: tag names (ephemeral-storage, example.com/fpga) with its amount.
       */
      resources?: {
        cpu?: string | number | null;
        memory?: string | number | null;
        gpu?: string | number | null;
        gpu_vendor?: string | null;
        [k: string]: unknown;
      };
    }[]
  ];
  metric_targets?:
    | {
        [k: string]: unknown;
      }
    | unknown[]
    | null;
  promote?: {
    [k: string]: unknown;
  };
  /**
   * The price of one CPU hour: runs stats shows each run's cost from its CPU seconds.
   */
  cost_per_cpu_hour?: number;
  schedules?: {
    [k: string]: unknown;
  }[];
  /**
   * Pins of the distributions the code imports (and notebook-ops); requirements.txt has the full closure.
   */
  requirements?: string[];
  /**
   * Orchestrator generators that wrote files under targets/.
   */
  targets?: string[];
  /**
   * The project's own code (under code/) and data files (under assets/), at their paths relative to the project's top folder; a run lays them out in a workspace and starts the kernels in notebook_dir there.
   */
  files?: {
    notebook_dir: string;
    code_roots: string[];
    code: File[];
    assets: File[];
    /**
     * Folders the code writes files into, relative to the project's top folder: the workspace creates them (sqlite3.connect("logs/logs.db") needs logs/).
     */
    dirs?: string[];
    external?: {
      path: string;
      parameter: string;
      url: string;
    }[];
  };
  /**
   * Hash of everything but version and provenance: equal hashes mean an unchanged pipeline.
   */
  content_sha256: string;
  provenance: {
    source_notebook: {
      path: string;
      sha256: string;
    };
    /**
     * null when the notebook is not in a git repository.
     */
    git: {
      commit: string | null;
      branch: string | null;
      dirty: boolean;
      remote?: string | null;
      tag?: string | null;
    } | null;
    notebook_ops_version: string;
    python_version: string;
    /**
     * UTC, ISO 8601; from SOURCE_DATE_EPOCH, else the commit time, else the notebook's mtime.
     */
    created: string;
  };
}
export interface File {
  path: string;
  size: number;
  sha256: string;
}
