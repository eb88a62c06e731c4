/**
 * The Run dialog's last values for a notebook, kept in the browser's localStorage (secrets never):
 * the dialog offers them again, and the stale check and "Run stale" use them, so "stale" means
 * "a run as the Run dialog would start it now would re-run this step".
 */

/** The localStorage key of a notebook's remembered Run form. */
export const runFormKey = (path: string): string => `notebook-ops:run-form:${path}`;

/** The parameter values typed in the notebook's last Run dialog ({} when none or unreadable). */
export function rememberedValues(path: string): Record<string, string> {
  try {
    const form = JSON.parse(window.localStorage.getItem(runFormKey(path)) ?? '{}');
    const values = form && typeof form === 'object' ? form.values : null;
    if (!values || typeof values !== 'object') {
      return {};
    }
    return Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  } catch {
    return {};
  }
}
