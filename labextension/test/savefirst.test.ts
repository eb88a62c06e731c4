import { ISavable, saveFirst } from '../src/savefirst';

function doc(collaborative: boolean, dirty = true): ISavable & { saves: number } {
  const d = {
    saves: 0,
    model: { dirty, collaborative },
    save: async () => {
      d.saves++;
      d.model.dirty = false;
    }
  };
  return d;
}

describe('saveFirst', () => {
  it('saves through the context without collaboration', async () => {
    const d = doc(false);
    await expect(saveFirst(d)).resolves.toBe(true);
    expect(d.saves).toBe(1);
  });

  it("with collaboration, waits for the room's own save and never asks for one", async () => {
    const d = doc(true);
    setTimeout(() => (d.model.dirty = false), 60); // the room saved and cleared the shared state
    await expect(saveFirst(d, 2000, 10)).resolves.toBe(true);
    expect(d.saves).toBe(0);
    expect(d.model.dirty).toBe(false);
  });

  it('with collaboration, goes on after the wait when the room has not saved', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const d = doc(true);
    const started = Date.now();
    await expect(saveFirst(d, 50, 10)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(d.saves).toBe(0);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('a failed save without collaboration still throws', async () => {
    const d = { model: { dirty: true }, save: () => Promise.reject(new Error('Saving failed')) };
    await expect(saveFirst(d)).rejects.toThrow('Saving failed');
  });
});
