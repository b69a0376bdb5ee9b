// Which resource URIs a bus message announces as updated: a subscriber is told of a view only when what it
// shows may have changed.
import { describe, expect, it } from 'vitest';
import { REALMS_URI, realmUri, urisTouched } from '../../src/resources/declarations.js';

describe('urisTouched', () => {
  it("announces nothing for a run's output chunk (no view shows it)", () => {
    expect(urisTouched('bridge.run.output', 'realm-1', { runId: 'r', text: 'step 1\n' })).toEqual([]);
  });

  it('still announces the summary and the missions view for a mission change', () => {
    expect(urisTouched('mission.lifecycle', 'realm-1', {})).toEqual([realmUri('realm-1'), realmUri('realm-1', 'missions'), REALMS_URI]);
  });
});
