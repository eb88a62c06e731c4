/**
 * How every call of the REST API goes: the one place the generated client
 * (`schemas/client.ts`) reaches the server through.
 *
 * ServerConnection adds Jupyter's auth and XSRF headers; an error reply becomes an `ApiError`
 * carrying the server's one-line message and its whole body (`error`, `path`, `cell`, `hint`...).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

/** A query string's values: `undefined` and `null` leave the parameter out. */
export type QueryValues = Record<string, string | number | boolean | null | undefined>;

/** The URL of `path` (relative to the server's base URL) with `query` appended. */
export function apiUrl(
  path: string,
  query: QueryValues = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  const given = Object.entries(query).filter(([, v]) => v !== undefined && v !== null);
  const search = new URLSearchParams(given.map(([k, v]) => [k, String(v)])).toString();
  return URLExt.join(settings.baseUrl, path) + (search ? `?${search}` : '');
}

/** What a call sends besides its path: the query and the JSON body. */
export interface ICallOptions {
  query?: QueryValues;
  body?: unknown;
}

/**
 * `method path` with Jupyter's credentials; resolves with the reply's JSON (`{}` when empty),
 * rejects with an `ApiError` (status 0: the server could not be reached).
 */
export async function call<T>(
  method: string,
  path: string,
  options: ICallOptions = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const init: RequestInit = { method };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
  }
  return send<T>(apiUrl(path, options.query, settings), init, settings);
}

/** Send `init` to `url` (a full URL under the server) and read the reply as `call` does. */
export async function send<T>(url: string, init: RequestInit, settings: ServerConnection.ISettings): Promise<T> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(`cannot reach the server: ${error}`, 0);
  }
  const text = await response.text();
  let data: unknown = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const body = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
    const message = (typeof body.message === 'string' && body.message) || `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, body);
  }
  return data as T;
}
