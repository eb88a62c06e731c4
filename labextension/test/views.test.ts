import { IProblem } from '../src/api';
import { problemSummary } from '../src/views/problems';
import { parseTargets } from '../src/views/settings';

const problem = (severity: IProblem['severity']): IProblem => ({
  severity,
  code: 'x',
  message: 'm',
  step: null,
  cell: null,
  hint: null
});

describe('panel texts', () => {
  it('sums problems up in words', () => {
    expect(problemSummary([problem('error')])).toBe('1 error');
    expect(problemSummary([problem('error'), problem('error'), problem('warning'), problem('info')])).toBe(
      '2 errors, 1 warning, 1 notice'
    );
    expect(problemSummary([])).toBe('');
  });

  it('reads metric targets typed one per line', () => {
    expect(parseTargets('accuracy >= 0.8\nloss<0.5; bad line')).toEqual({ accuracy: '>= 0.8', loss: '<0.5' });
  });
});
