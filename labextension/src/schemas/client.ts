/* Generated from notebook_ops/model/schema/openapi.json by labextension/scripts/schema-types.mjs: do not edit. */

/**
 * The REST API of notebook-ops (OpenAPI 3.1.0, API version 1):
 * one function per route and method. `settings` defaults to the page's ServerConnection settings.
 */
import { ServerConnection } from '@jupyterlab/services';

import { apiUrl, call } from '../request';
import type {
  AlertChecksResponse,
  CancelResponse,
  CheckAlerts,
  CreateExport,
  CreatePipelineFile,
  CreateRun,
  CreateSchedule,
  EditElyraPipeline,
  ElyraEditResponse,
  ExportResponse,
  FeaturesResponse,
  FolderView,
  HostScheduler,
  InspectPipeline,
  InspectStaleSteps,
  ModelsResponse,
  PipelineFileResponse,
  PipelineView,
  PromoteModel,
  PromoteResponse,
  ProofProgress,
  ProofsResponse,
  RemoteRunsResponse,
  RunComparison,
  RunView,
  RunsResponse,
  ScheduleView,
  ScheduledRunView,
  SchedulerState,
  SchedulesResponse,
  SendTestAlert,
  StalenessView,
  StepNotebookResponse,
  TestAlertResponse,
  UpdateSchedule
} from './types';

/** Where the API lives under the server's base URL. */
export const API_PREFIX = 'notebook-ops/api';

/**
 * GET /: The server's version and the features it offers.
 */
export function getFeatures(settings?: ServerConnection.ISettings): Promise<FeaturesResponse> {
  return call<FeaturesResponse>('GET', API_PREFIX, {}, settings);
}

/**
 * POST /alert-checks: Check alert destinations before they are saved (400 naming a bad one); each comes back as shown, its credential masked.
 */
export function postAlertChecks(
  body: CheckAlerts,
  settings?: ServerConnection.ISettings
): Promise<AlertChecksResponse> {
  return call<AlertChecksResponse>('POST', `${API_PREFIX}/alert-checks`, { body }, settings);
}

/**
 * POST /alert-tests: Send one test message to an alert destination now, from this server (delivered false and the destination's answer when it does not take it).
 */
export function postAlertTests(body: SendTestAlert, settings?: ServerConnection.ISettings): Promise<TestAlertResponse> {
  return call<TestAlertResponse>('POST', `${API_PREFIX}/alert-tests`, { body }, settings);
}

/**
 * POST /elyra-edits: Edit an Elyra pipeline (a node or a link) and write it back as pipeline-flow v3.
 */
export function postElyraEdits(
  body: EditElyraPipeline,
  settings?: ServerConnection.ISettings
): Promise<ElyraEditResponse> {
  return call<ElyraEditResponse>('POST', `${API_PREFIX}/elyra-edits`, { body }, settings);
}

/**
 * POST /exports: Export the notebook as a versioned bundle (with prove: 202, proven in the background).
 */
export function postExports(body: CreateExport, settings?: ServerConnection.ISettings): Promise<ExportResponse> {
  return call<ExportResponse>('POST', `${API_PREFIX}/exports`, { body }, settings);
}

/**
 * GET /folders: A folder of notebooks read as a pipeline: their order and what links them.
 */
export function getFolders(query: { path: string }, settings?: ServerConnection.ISettings): Promise<FolderView> {
  return call<FolderView>('GET', `${API_PREFIX}/folders`, { query }, settings);
}

/**
 * GET /models: The registered models of the notebook's MLflow store: versions with lineage, targets, cost and the promotion gate's verdict.
 * Only when the server offers the 'models' feature (GET /).
 */
export function getModels(
  query: { path: string; pipeline?: string; limit?: number },
  settings?: ServerConnection.ISettings
): Promise<ModelsResponse> {
  return call<ModelsResponse>('GET', `${API_PREFIX}/models`, { query }, settings);
}

/**
 * POST /models/{name}/promote: Point an alias at a version if the gate passes (promoted false and the reasons if not).
 * Only when the server offers the 'models' feature (GET /).
 */
export function postModelPromote(
  name: string,
  body: PromoteModel,
  settings?: ServerConnection.ISettings
): Promise<PromoteResponse> {
  return call<PromoteResponse>('POST', `${API_PREFIX}/models/${encodeURIComponent(name)}/promote`, { body }, settings);
}

/**
 * GET /openapi.json: This document.
 */
export function getOpenapi(settings?: ServerConnection.ISettings): Promise<Record<string, unknown>> {
  return call<Record<string, unknown>>('GET', `${API_PREFIX}/openapi.json`, {}, settings);
}

/**
 * POST /pipeline-files: Write a folder's inferred pipeline as a pipeline file to edit.
 */
export function postPipelineFiles(
  body: CreatePipelineFile,
  settings?: ServerConnection.ISettings
): Promise<PipelineFileResponse> {
  return call<PipelineFileResponse>('POST', `${API_PREFIX}/pipeline-files`, { body }, settings);
}

/**
 * POST /pipelines: A notebook (or its unsaved content) read as a pipeline.
 */
export function postPipelines(body: InspectPipeline, settings?: ServerConnection.ISettings): Promise<PipelineView> {
  return call<PipelineView>('POST', `${API_PREFIX}/pipelines`, { body }, settings);
}

/**
 * GET /proofs: The proofs of the notebook's bundles, newest first.
 */
export function getProofs(query: { path: string }, settings?: ServerConnection.ISettings): Promise<ProofsResponse> {
  return call<ProofsResponse>('GET', `${API_PREFIX}/proofs`, { query }, settings);
}

/**
 * GET /proofs/{proof_id}: Where a proof is now.
 */
export function getProof(proofId: string, settings?: ServerConnection.ISettings): Promise<ProofProgress> {
  return call<ProofProgress>('GET', `${API_PREFIX}/proofs/${encodeURIComponent(proofId)}`, {}, settings);
}

/**
 * GET /remote-runs: The runs of the configured Airflow's notebook-ops DAGs, newest first.
 */
export function getRemoteRuns(
  query: { dag?: string; limit?: number } = {},
  settings?: ServerConnection.ISettings
): Promise<RemoteRunsResponse> {
  return call<RemoteRunsResponse>('GET', `${API_PREFIX}/remote-runs`, { query }, settings);
}

/**
 * GET /runs: The notebook's runs, newest first.
 */
export function getRuns(
  query: { path: string; limit?: number },
  settings?: ServerConnection.ISettings
): Promise<RunsResponse> {
  return call<RunsResponse>('GET', `${API_PREFIX}/runs`, { query }, settings);
}

/**
 * POST /runs: Start a run of the notebook.
 */
export function postRuns(body: CreateRun, settings?: ServerConnection.ISettings): Promise<RunView> {
  return call<RunView>('POST', `${API_PREFIX}/runs`, { body }, settings);
}

/**
 * DELETE /runs/{run_id}: Cancel the run.
 */
export function deleteRun(
  runId: string,
  query: { path: string },
  settings?: ServerConnection.ISettings
): Promise<CancelResponse> {
  return call<CancelResponse>('DELETE', `${API_PREFIX}/runs/${encodeURIComponent(runId)}`, { query }, settings);
}

/**
 * GET /runs/{run_id}: One run, as its run.json says now.
 */
export function getRun(
  runId: string,
  query: { path: string },
  settings?: ServerConnection.ISettings
): Promise<RunView> {
  return call<RunView>('GET', `${API_PREFIX}/runs/${encodeURIComponent(runId)}`, { query }, settings);
}

/**
 * GET /runs/{run_id}/comparisons/{other_id}: The run against another of the notebook's runs: parameters, metrics, steps (b - a).
 */
export function getRunComparison(
  runId: string,
  otherId: string,
  query: { path: string },
  settings?: ServerConnection.ISettings
): Promise<RunComparison> {
  return call<RunComparison>(
    'GET',
    `${API_PREFIX}/runs/${encodeURIComponent(runId)}/comparisons/${encodeURIComponent(otherId)}`,
    { query },
    settings
  );
}

/**
 * GET /runs/{run_id}/steps/{step}: The executed notebook of one step (format=html: a static page).
 */
export function getRunStep(
  runId: string,
  step: string,
  query: { path: string; format?: 'json' | 'html' },
  settings?: ServerConnection.ISettings
): Promise<StepNotebookResponse> {
  return call<StepNotebookResponse>(
    'GET',
    `${API_PREFIX}/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}`,
    { query },
    settings
  );
}

/**
 * The URL of GET /runs/{run_id}/steps/{step} (application/json, text/html), for the browser to open.
 */
export function getRunStepUrl(
  runId: string,
  step: string,
  query: { path: string; format?: 'json' | 'html' },
  settings?: ServerConnection.ISettings
): string {
  return apiUrl(`${API_PREFIX}/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}`, query, settings);
}

/**
 * GET /scheduler: Is a scheduler service firing this store's schedules?
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function getScheduler(settings?: ServerConnection.ISettings): Promise<SchedulerState> {
  return call<SchedulerState>('GET', `${API_PREFIX}/scheduler`, {}, settings);
}

/**
 * PUT /scheduler: Start or stop the scheduler hosted in this server.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function putScheduler(body: HostScheduler, settings?: ServerConnection.ISettings): Promise<SchedulerState> {
  return call<SchedulerState>('PUT', `${API_PREFIX}/scheduler`, { body }, settings);
}

/**
 * GET /schedules: The schedules (of the notebook at path, if given).
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function getSchedules(
  query: { path?: string } = {},
  settings?: ServerConnection.ISettings
): Promise<SchedulesResponse> {
  return call<SchedulesResponse>('GET', `${API_PREFIX}/schedules`, { query }, settings);
}

/**
 * POST /schedules: Schedule a notebook or a bundle.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function postSchedules(body: CreateSchedule, settings?: ServerConnection.ISettings): Promise<ScheduleView> {
  return call<ScheduleView>('POST', `${API_PREFIX}/schedules`, { body }, settings);
}

/**
 * DELETE /schedules/{name}: Remove it.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function deleteSchedule(name: string, settings?: ServerConnection.ISettings): Promise<ScheduleView> {
  return call<ScheduleView>('DELETE', `${API_PREFIX}/schedules/${encodeURIComponent(name)}`, {}, settings);
}

/**
 * GET /schedules/{name}: One schedule.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function getSchedule(name: string, settings?: ServerConnection.ISettings): Promise<ScheduleView> {
  return call<ScheduleView>('GET', `${API_PREFIX}/schedules/${encodeURIComponent(name)}`, {}, settings);
}

/**
 * PATCH /schedules/{name}: Pause or resume it.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function patchSchedule(
  name: string,
  body: UpdateSchedule,
  settings?: ServerConnection.ISettings
): Promise<ScheduleView> {
  return call<ScheduleView>('PATCH', `${API_PREFIX}/schedules/${encodeURIComponent(name)}`, { body }, settings);
}

/**
 * POST /schedules/{name}/runs: Fire the schedule now.
 * Only when the server offers the 'schedules' feature (GET /).
 */
export function postScheduleRuns(name: string, settings?: ServerConnection.ISettings): Promise<ScheduledRunView> {
  return call<ScheduledRunView>('POST', `${API_PREFIX}/schedules/${encodeURIComponent(name)}/runs`, {}, settings);
}

/**
 * POST /stale-steps: Which steps of a notebook (or its unsaved content) a run now would run again, and why.
 */
export function postStaleSteps(body: InspectStaleSteps, settings?: ServerConnection.ISettings): Promise<StalenessView> {
  return call<StalenessView>('POST', `${API_PREFIX}/stale-steps`, { body }, settings);
}
