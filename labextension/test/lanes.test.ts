import { cycleThrough, laneLayout, loopProblem, runOrder } from '../src/lanes';

const fanOut = [
  { name: 'load', after: [] },
  { name: 'features', after: ['load'] },
  ...['a', 'b', 'c', 'd', 'e'].map(m => ({ name: `train_${m}`, after: ['features'] })),
  { name: 'compare', after: ['train_a', 'train_b', 'train_c', 'train_d', 'train_e'] },
  { name: 'report', after: ['compare'] }
];

describe('the lane layout of the step graph', () => {
  it('orders steps upstream first, keeping notebook order among equals', () => {
    expect(
      runOrder([
        { name: 'b', after: ['a'] },
        { name: 'a', after: [] },
        { name: 'c', after: [] }
      ])
    ).toEqual(['a', 'b', 'c']);
  });

  it("puts a loop's steps last instead of dropping them", () => {
    expect(
      runOrder([
        { name: 'x', after: ['y'] },
        { name: 'y', after: ['x'] },
        { name: 'z', after: [] }
      ])
    ).toEqual(['z', 'x', 'y']);
  });

  it('is as wide as the fan-out, one row per step', () => {
    const layout = laneLayout(fanOut);
    expect(layout.nodes.map(n => n.row)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(layout.lanes).toBe(5);
    expect(layout.edges).toHaveLength(1 + 5 + 5 + 1);
    // a chain stays in one lane
    expect(
      laneLayout([
        { name: 'a', after: [] },
        { name: 'b', after: ['a'] },
        { name: 'c', after: ['b'] }
      ]).lanes
    ).toBe(1);
  });

  it('never runs two edges down the same lane between the same rows', () => {
    const layout = laneLayout(fanOut);
    for (const a of layout.edges) {
      for (const b of layout.edges) {
        if (a !== b && a.lane === b.lane) {
          const overlap = Math.min(a.toRow, b.toRow) - Math.max(a.fromRow, b.fromRow);
          expect(overlap).toBeLessThanOrEqual(0);
        }
      }
    }
    // every edge ends in its target's lane
    const laneOf = new Map(layout.nodes.map(n => [n.name, n.lane]));
    for (const e of layout.edges) {
      expect(e.toLane).toBe(laneOf.get(e.to));
      expect(e.fromLane).toBe(laneOf.get(e.from));
    }
  });

  it('stays narrow at 40 steps', () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({ name: `s${i}`, after: i ? [`s${i - 1}`] : [] }));
    const layout = laneLayout(steps);
    expect(layout.nodes).toHaveLength(40);
    expect(layout.lanes).toBe(1);
  });
});

describe('loops in the Make step dialog', () => {
  it('finds the loop a new upstream step would close', () => {
    expect(cycleThrough(fanOut, 'train_a', ['compare'])).toEqual(['train_a', 'compare', 'train_a']);
    expect(cycleThrough(fanOut, 'report', ['train_a'])).toBeNull();
    expect(loopProblem({ steps: fanOut, current: 'load' }, { name: 'load', after: ['report'] })).toMatch(
      /^This makes a loop: load → report → compare → train_a → features → load\./
    );
    expect(loopProblem({ steps: fanOut, current: null }, { name: 'new', after: ['report'] })).toBeNull();
  });

  it('follows a renamed step through the links other steps have to it', () => {
    expect(loopProblem({ steps: fanOut, current: 'features' }, { name: 'feats', after: ['train_b'] })).toMatch(
      /loop: feats → train_b → feats/
    );
  });
});
