/** The Schedule section's pure parts: the time-zone choices and the queued-run notice. */
import { timeZoneChoices } from '../src/format';
import { queuedNotice } from '../src/schedules';

describe('time zone choices', () => {
  it("puts the browser's zone first, once", () => {
    const all = ['Africa/Abidjan', 'Europe/Paris', 'UTC'];
    expect(timeZoneChoices('Europe/Paris', all)).toEqual(['Europe/Paris', 'Africa/Abidjan', 'UTC']);
  });

  it("offers the browser's zone and UTC on a runtime that lists none", () => {
    expect(timeZoneChoices('Asia/Tokyo', [])).toEqual(['Asia/Tokyo', 'UTC']);
    expect(timeZoneChoices(undefined, [])).toEqual(['UTC']);
  });
});

describe('the queued-run notice', () => {
  it('says the run waits only while no scheduler service runs', () => {
    expect(queuedNotice('nightly', false)).toContain('"nightly" is queued');
    expect(queuedNotice('nightly', true)).toBeNull();
    expect(queuedNotice(null, false)).toBeNull();
  });
});
