import t from 'tap';
import type { AgentEvent } from '../../harness/agent/protocol.js';
import { AgentStream } from '../../harness/targets/agent-stream.js';

t.test('events are forwarded, stray lines ignored, a missing done is AGENT_CRASHED with the stderr tail', async (t) => {
  const seen: AgentEvent[] = [];
  const stream = new AgentStream((event) => seen.push(event));
  stream.line('warning: not json');
  stream.line('{"type":"size-start","size":16,"populateNs":5}');
  t.same(seen, [{ type: 'size-start', size: 16, populateNs: 5 }]);
  t.throws(() => stream.assertFinished('agent bench', '134', 'a\nSegmentation fault\n', '\nkernel splats:\nBUG: x'), {
    code: 'AGENT_CRASHED',
    message: /^agent bench ended without finishing \(exit 134\):\na\nSegmentation fault\n\(whole output \(2 lines\): \S+\.log\)\nkernel splats:\nBUG: x$/,
  });
  stream.line('{"type":"done"}');
  t.doesNotThrow(() => stream.assertFinished('agent bench', '0', ''));
  t.equal(seen.length, 2);
});
