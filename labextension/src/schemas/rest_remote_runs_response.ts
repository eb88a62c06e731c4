/* Generated from notebook_ops/model/schema/rest-remote-runs-response.schema.json by labextension/scripts/schema-types.mjs: do not edit. */

export type AirflowUrl = string;
export type DagId = string;
export type EndDate = string | null;
export type QueuedAt = string | null;
export type RunId = string;
export type RunType = string | null;
export type StartDate = string | null;
export type State = string | null;
export type EndDate1 = string | null;
export type Hostname = string | null;
export type Pid = number | null;
export type StartDate1 = string | null;
export type State1 = string | null;
export type TryNumber = number | null;
export type Url = string;
export type Runs = RemoteRun[];

/**
 * GET remote-runs: the runs of the configured Airflow's notebook-ops DAGs, newest first.
 */
export interface RestRemoteRunsResponse {
  airflow_url: AirflowUrl;
  runs: Runs;
  [k: string]: unknown;
}
/**
 * One run of a deployed pipeline in Airflow (``notebook_ops.deploy.airflow_push.describe_run``).
 */
export interface RemoteRun {
  conf: Conf;
  dag_id: DagId;
  end_date: EndDate;
  queued_at: QueuedAt;
  run_id: RunId;
  run_type: RunType;
  start_date: StartDate;
  state: State;
  tasks: Tasks;
  url: Url;
  [k: string]: unknown;
}
export interface Conf {
  [k: string]: unknown;
}
export interface Tasks {
  [k: string]: RemoteTask;
}
/**
 * One task instance of a remote run, as Airflow reports it (state None: not scheduled yet).
 */
export interface RemoteTask {
  end_date: EndDate1;
  hostname: Hostname;
  pid: Pid;
  start_date: StartDate1;
  state: State1;
  try_number: TryNumber;
  [k: string]: unknown;
}
