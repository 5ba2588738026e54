// The measured machine's environment, read by the agent on the target: a capture that fails is a warning, never a failure.
import type { EnvironmentRecordWire } from '../agent/protocol.js';
import type { TargetEventBody } from '../results/events.js';
import type { EnvironmentPhase, EnvironmentRecord } from '../results/model.js';
import type { Target } from '../targets/target.js';
import { KptrlabError, messageWithCauses } from '../util/errors.js';
import type { Same } from '../util/same-type.js';

// The agent's record and the schema's are declared in two bottom layers: they must not drift apart.
const RECORD_AGREES: Same<EnvironmentRecordWire, EnvironmentRecord> = true;
void RECORD_AGREES;

export type EnvironmentEvent = Extract<TargetEventBody, { type: 'environment' }>;

/** Runs the agent's environment op once; the event carries the record, or why there is none. */
export async function captureEnvironment(target: Target, phase: EnvironmentPhase): Promise<EnvironmentEvent> {
  let record: EnvironmentRecord | null = null;
  try {
    await target.runAgent({ op: 'environment' }, (event) => {
      if (event.type === 'environment') record = event.record;
    });
  } catch (error) {
    const code = error instanceof KptrlabError ? ` [${error.code}]` : '';
    return { type: 'environment', phase, record, problem: `the environment could not be read: ${messageWithCauses(error)}${code}` };
  }
  return record ? { type: 'environment', phase, record } : { type: 'environment', phase, record, problem: 'the agent finished without an environment record' };
}
