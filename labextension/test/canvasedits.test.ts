import { IPipeline, IStep } from '../src/api';
import {
  afterRefFor,
  afterTagsOf,
  canvasSteps,
  CANVAS_HEADER,
  edgeRefs,
  freeFileName,
  pipelineFileText,
  withAfter
} from '../src/canvasedits';

const step = (name: string, notebook: string, start_cell: number | null): IStep =>
  ({ name, notebook, after: [], start_cell }) as unknown as IStep;

// proj/pipeline.yaml lists the untagged 01_ingest, 02_features and nb/03_train (steps fit, report)
const pipeline = {
  name: 'pipeline',
  path: 'proj/pipeline.yaml',
  steps: [
    step('ingest', '01_ingest.ipynb', null),
    step('features', '02_features.ipynb', null),
    step('train-fit', 'nb/03_train.ipynb', 0),
    step('train-report', 'nb/03_train.ipynb', 2)
  ]
} as unknown as IPipeline;
const [ingest, features, fit, report] = canvasSteps('proj/pipeline.yaml', pipeline);

describe('what a canvas edge writes', () => {
  it("gives each step its notebook's server path and its step: name", () => {
    expect(ingest).toEqual({ name: 'ingest', notebook: 'proj/01_ingest.ipynb', local: null, startCell: null });
    expect(report).toEqual({ name: 'train-report', notebook: 'proj/nb/03_train.ipynb', local: 'report', startCell: 2 });
  });

  it('spells an edge as the tag grammar does, relative to the target notebook', () => {
    expect(afterRefFor(ingest, features)).toBe('01_ingest');
    expect(afterRefFor(features, fit)).toBe('../02_features');
    expect(afterRefFor(fit, ingest)).toBe('nb/03_train:fit');
    expect(afterRefFor(fit, report)).toBe('fit');
    expect(afterRefFor(report, report)).toBeNull();
    expect(afterRefFor(ingest, ingest)).toBeNull();
  });

  it("finds the references that make an edge (the source's whole notebook counts)", () => {
    expect(edgeRefs(fit, ingest)).toEqual(['nb/03_train:fit', 'nb/03_train']);
    expect(edgeRefs(ingest, features)).toEqual(['01_ingest']);
    expect(edgeRefs(fit, report)).toEqual(['fit']);
  });

  it('adds one tag and removes only the tags of the edge, keeping every other tag in place', () => {
    expect(withAfter(['keep-me', 'step:x'], '01_ingest')).toEqual(['keep-me', 'step:x', 'after:01_ingest']);
    expect(withAfter(['after:01_ingest'], '01_ingest')).toEqual(['after:01_ingest']);
    const tags = ['keep-me', 'after:01_ingest', 'after:other', 'prev:01_ingest', 'after:01_ingest:x'];
    expect(afterTagsOf(tags, ['01_ingest'])).toEqual(['after:01_ingest', 'prev:01_ingest']);
  });
});

describe('the pipeline file the canvas writes', () => {
  it('lists the notebooks relative to the file, quoted', () => {
    const text = pipelineFileText('proj/pipeline.yaml', ['proj/01_ingest.ipynb', 'proj/nb/03 train.ipynb']);
    expect(text).toBe(`${CANVAS_HEADER}notebooks:\n  - path: "01_ingest.ipynb"\n  - path: "nb/03 train.ipynb"\n`);
  });

  it('takes a free name', () => {
    expect(freeFileName('proj', [])).toBe('proj/pipeline.yaml');
    expect(freeFileName('proj', ['proj/pipeline.yaml', 'proj/pipeline-2.yaml'])).toBe('proj/pipeline-3.yaml');
    expect(freeFileName('', [])).toBe('pipeline.yaml');
  });
});
