import t from 'tap';
import type { AgentEvent } from '../../harness/agent/protocol.js';
import { AGENT_PROTOCOL_VERSION } from '../../harness/agent/protocol.js';
import { AgentStream } from '../../harness/targets/agent-stream.js';

const hello = JSON.stringify({ type: 'hello', protocol: AGENT_PROTOCOL_VERSION, kernel: '6.18', arch: 'x64', libbpf: '1.8.0', pid: 1 });

t.test('events are forwarded, stray lines ignored, a missing done is AGENT_CRASHED with the stderr tail', async (t) => {
  const seen: AgentEvent[] = [];
  const stream = new AgentStream((event) => seen.push(event));
  stream.line('warning: not json');
  stream.line(hello);
  stream.line('{"type":"size-start","size":16,"populateNs":5}');
  t.same(seen.slice(1), [{ type: 'size-start', size: 16, populateNs: 5 }]);
  t.throws(() => stream.assertFinished('agent bench', '134', 'a\nSegmentation fault\n', '\nkernel splats:\nBUG: x'), {
    code: 'AGENT_CRASHED',
    message: /^agent bench ended without finishing \(exit 134\):\na\nSegmentation fault\n\(whole output \(2 lines\): \S+\.log\)\nkernel splats:\nBUG: x$/,
  });
  stream.line('{"type":"done"}');
  t.doesNotThrow(() => stream.assertFinished('agent bench', '0', ''));
  t.equal(seen.length, 3);
});

t.test('a truncated last event is AGENT_CRASHED naming the cut line, not a JSON parse error', async (t) => {
  const seen: AgentEvent[] = [];
  const stream = new AgentStream((event) => seen.push(event));
  stream.line(hello);
  stream.line('{"type":"size-start","size":16,"populateNs":5}');
  t.doesNotThrow(() => stream.line('{"type":"bench-sample","size":16,"varia'));
  t.equal(seen.length, 2, 'the half event is not forwarded');
  t.throws(() => stream.assertFinished('agent bench', 'SIGKILL', ''), { code: 'AGENT_CRASHED', message: /its last event was cut off: \{"type":"bench-sample","size":16,"varia/ });
  // Stray output that looks like JSON mid-stream is forgotten once a real event follows.
  const later = new AgentStream(() => undefined);
  later.line(hello);
  later.line('{not json');
  later.line('{"type":"done"}');
  t.doesNotThrow(() => later.assertFinished('agent verify', '0', ''));
});

t.test("an agent of another protocol, or one that does not say hello first, is refused and nothing it says is believed", async (t) => {
  const seen: AgentEvent[] = [];
  const old = new AgentStream((event) => seen.push(event));
  old.line(JSON.stringify({ type: 'hello', protocol: AGENT_PROTOCOL_VERSION - 1, kernel: '6.18', arch: 'x64', libbpf: '1.8.0', pid: 1 }));
  old.line('{"type":"size-start","size":16,"populateNs":5}');
  old.line('{"type":"done"}');
  t.same(seen, [], 'no event of a refused agent reaches the suites');
  t.throws(() => old.assertFinished('agent bench', '0', ''), { code: 'AGENT_PROTOCOL', message: new RegExp(`protocol ${AGENT_PROTOCOL_VERSION - 1}, this kptrlab speaks ${AGENT_PROTOCOL_VERSION}`) });
  const rude = new AgentStream((event) => seen.push(event));
  rude.line('{"type":"done"}');
  t.throws(() => rude.assertFinished('agent probe', '0', ''), { code: 'AGENT_PROTOCOL', message: /first event was done, not hello/ });
});
