/**
 * Save a notebook before the server reads it (a run, an export, a canvas edit).
 *
 * With real-time collaboration the file is the room's: the server saves it about a second after
 * the last change and clears the shared `dirty` state, so we wait for that instead of asking.
 * Asking (`context.save()`) raced the room's own save: JupyterLab then found the file newer than
 * it knew and put up its "File Changed" dialog, and the save (and the run behind it) waited on
 * it; jupyter-collaboration can also leave a save request unanswered. Without collaboration
 * this is `context.save()`.
 */

/** The part of a document context this uses. */
export interface ISavable {
  save(): Promise<void>;
  model: { dirty: boolean; collaborative?: boolean };
}

/** Save `context`'s notebook, or with collaboration wait for the room to have saved it (at most
 *  `waitMs`, checking every `everyMs`). True once saved; false if the room had not saved yet
 *  (the caller goes on: the file is at most that much behind). */
export async function saveFirst(context: ISavable, waitMs = 10000, everyMs = 100): Promise<boolean> {
  if (!context.model.collaborative) {
    await context.save();
    return true;
  }
  const until = Date.now() + waitMs;
  while (context.model.dirty) {
    if (Date.now() >= until) {
      console.warn('notebook-ops: the collaborative room has not saved the notebook yet; going on');
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
  return true;
}
