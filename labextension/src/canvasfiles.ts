/**
 * Where the pipeline canvas reads and writes in the lab (canvas.ts ICanvasFiles): a notebook
 * open in an editor is changed through its document model and saved, so the editor stays in
 * sync; one that is not open is changed in its file through the Contents API (which writes
 * atomically). Only the one cell's `metadata.tags` change.
 */
import { Contents } from '@jupyterlab/services';
import { INotebookTracker } from '@jupyterlab/notebook';

import type { ICanvasCell, ICanvasFiles } from './canvas';
import { getTags, setTags } from './tags';
import { saveFirst } from './savefirst';

interface INotebookJSON {
  cells?: { cell_type: string; metadata?: { tags?: unknown } }[];
}

const tagsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];

export function labCanvasFiles(
  contents: Contents.IManager,
  tracker: INotebookTracker,
  openAt: (path: string, cells: number[]) => void
): ICanvasFiles {
  const editor = (path: string) => tracker.find(panel => panel.context.path === path) ?? null;
  const notebook = async (path: string) =>
    (await contents.get(path, { type: 'notebook', content: true })).content as INotebookJSON;
  return {
    async cells(path: string): Promise<ICanvasCell[]> {
      const panel = editor(path);
      if (panel) {
        await panel.context.ready;
        const cells = panel.context.model.cells;
        return Array.from({ length: cells.length }, (_, i) => ({
          type: cells.get(i).type,
          tags: getTags(cells.get(i))
        }));
      }
      return ((await notebook(path)).cells ?? []).map(c => ({ type: c.cell_type, tags: tagsOf(c.metadata?.tags) }));
    },
    async setTags(path: string, cell: number, tags: string[]): Promise<void> {
      const panel = editor(path);
      if (panel) {
        await panel.context.ready;
        setTags(panel.context.model.cells.get(cell), tags);
        await saveFirst(panel.context);
        return;
      }
      const content = await notebook(path);
      const target = content.cells?.[cell];
      if (!target) {
        throw new Error(`${path} has no cell ${cell + 1}`);
      }
      const metadata = (target.metadata ??= {});
      if (tags.length) {
        metadata.tags = tags;
      } else {
        delete metadata.tags;
      }
      await contents.save(path, { type: 'notebook', format: 'json', content });
    },
    async readText(path: string): Promise<string | null> {
      try {
        const model = await contents.get(path, { type: 'file', format: 'text', content: true });
        return String(model.content ?? '');
      } catch (error) {
        if ((error as { response?: { status?: number } }).response?.status === 404) {
          return null;
        }
        throw error;
      }
    },
    async writeText(path: string, text: string): Promise<void> {
      await contents.save(path, { type: 'file', format: 'text', content: text });
    },
    async remove(path: string): Promise<void> {
      await contents.delete(path);
    },
    openAt
  };
}
