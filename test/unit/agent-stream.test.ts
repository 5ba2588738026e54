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

t.test('a truncated last event is AGENT_CRASHED naming the cut line, not a JSON parse error', async (t) => {
  const seen: AgentEvent[] = [];
  const stream = new AgentStream((event) => seen.push(event));
  stream.line('{"type":"size-start","size":16,"populateNs":5}');
  t.doesNotThrow(() => stream.line('{"type":"bench-sample","size":16,"varia'));
  t.equal(seen.length, 1, 'the half event is not forwarded');
  t.throws(() => stream.assertFinished('agent bench', 'SIGKILL', ''), { code: 'AGENT_CRASHED', message: /its last event was cut off: \{"type":"bench-sample","size":16,"varia/ });
  // Stray output that looks like JSON mid-stream is forgotten once a real event follows.
  const later = new AgentStream(() => undefined);
  later.line('{not json');
  later.line('{"type":"done"}');
  t.doesNotThrow(() => later.assertFinished('agent verify', '0', ''));
});
