/**
 * The step graph as rows and lanes: one row per step in run order, edges running down lanes on
 * the left (like a git history graph). Its width grows with the fan-out, not with the names, so
 * it stays readable in a narrow sidebar whatever the number of steps. Pure: no DOM.
 */

export interface ILaneStep {
  name: string;
  after: readonly string[];
}

export interface ILaneNode {
  name: string;
  row: number;
  lane: number;
}

export interface ILaneEdge {
  from: string;
  to: string;
  fromRow: number;
  toRow: number;
  fromLane: number;
  /** The lane the edge runs down between its two rows. */
  lane: number;
  toLane: number;
}

export interface ILaneLayout {
  nodes: ILaneNode[];
  edges: ILaneEdge[];
  /** How many lanes are used (the drawing's width in lanes). */
  lanes: number;
}

/** Steps in run order: upstream first, ties kept in notebook order; a cycle's steps last. */
export function runOrder(steps: readonly ILaneStep[]): string[] {
  const names = steps.map(s => s.name);
  const known = new Set(names);
  const waiting = new Map(steps.map(s => [s.name, new Set(s.after.filter(a => known.has(a) && a !== s.name))]));
  const out: string[] = [];
  const done = new Set<string>();
  for (;;) {
    const next = names.find(n => !done.has(n) && [...waiting.get(n)!].every(a => done.has(a)));
    if (next === undefined) {
      break;
    }
    out.push(next);
    done.add(next);
  }
  return [...out, ...names.filter(n => !done.has(n))];
}

export function laneLayout(steps: readonly ILaneStep[]): ILaneLayout {
  const order = runOrder(steps);
  const rowOf = new Map(order.map((name, row) => [name, row]));
  const byName = new Map(steps.map(s => [s.name, s]));
  const children = new Map<string, string[]>(order.map(n => [n, []]));
  for (const name of order) {
    for (const up of new Set(byName.get(name)!.after)) {
      // edges only downwards: an edge of a cycle has no drawable direction
      if (rowOf.has(up) && rowOf.get(up)! < rowOf.get(name)!) {
        children.get(up)!.push(name);
      }
    }
  }
  for (const list of children.values()) {
    list.sort((a, b) => rowOf.get(a)! - rowOf.get(b)!);
  }
  const occupied: (ILaneEdge | null)[] = [];
  const free = (): number => {
    const i = occupied.indexOf(null);
    return i < 0 ? occupied.length : i;
  };
  const nodes: ILaneNode[] = [];
  const edges: ILaneEdge[] = [];
  order.forEach((name, row) => {
    const incoming = occupied.map((e, lane) => (e && e.to === name ? lane : -1)).filter(l => l >= 0);
    for (const lane of incoming) {
      occupied[lane] = null;
    }
    const lane = incoming.length ? Math.min(...incoming) : free();
    for (const e of edges) {
      if (e.to === name) {
        e.toLane = lane;
      }
    }
    nodes.push({ name, row, lane });
    children.get(name)!.forEach((child, i) => {
      const edgeLane = i === 0 && (occupied[lane] ?? null) === null ? lane : free();
      const edge: ILaneEdge = {
        from: name,
        to: child,
        fromRow: row,
        toRow: rowOf.get(child)!,
        fromLane: lane,
        lane: edgeLane,
        toLane: -1
      };
      occupied[edgeLane] = edge;
      edges.push(edge);
    });
  });
  const lanes = Math.max(1, ...nodes.map(n => n.lane + 1), ...edges.map(e => e.lane + 1));
  return { nodes, edges, lanes };
}

/** Would making `name` run after `after` close a loop? Returns the loop's steps, or null. */
export function cycleThrough(steps: readonly ILaneStep[], name: string, after: readonly string[]): string[] | null {
  const ups = new Map(steps.map(s => [s.name, s.name === name ? [...after] : [...s.after]]));
  if (!ups.has(name)) {
    ups.set(name, [...after]);
  }
  // a path from `name` back to itself along "runs after" links
  const path: string[] = [];
  const seen = new Set<string>();
  const visit = (node: string): boolean => {
    for (const up of ups.get(node) ?? []) {
      if (up === name) {
        return true;
      }
      if (!seen.has(up)) {
        seen.add(up);
        path.push(up);
        if (visit(up)) {
          return true;
        }
        path.pop();
      }
    }
    return false;
  };
  return visit(name) ? [name, ...path, name] : null;
}

export interface IStepChoice {
  name: string;
  after: string[];
}

/** The pipeline as it is now, to warn about loops while the user ticks boxes. */
export interface IStepGraph {
  steps: readonly ILaneStep[];
  /** The step this cell starts now (null for a plain cell). */
  current: string | null;
}

/** Why the choice makes a loop, or null. */
export function loopProblem(graph: IStepGraph | undefined, choice: IStepChoice): string | null {
  if (!graph || !choice.after.length) {
    return null;
  }
  // a renamed step keeps the links other steps have to it
  const key = graph.current ?? choice.name;
  const steps = graph.steps.map(s => ({
    name: s.name === key ? choice.name : s.name,
    after: s.after.map(a => (a === key ? choice.name : a))
  }));
  const loop = cycleThrough(steps, choice.name, choice.after);
  return loop ? `This makes a loop: ${loop.join(' → ')}. A step cannot run after its own downstream steps.` : null;
}
