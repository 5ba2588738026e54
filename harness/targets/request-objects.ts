// The BPF object files an agent request names, and the same request with them renamed (a remote machine has its own paths).
import type { AgentRequest } from '../agent/protocol.js';

/** Every object path of the request, each once. */
export function requestObjects(request: AgentRequest): string[] {
  const paths = request.op === 'probe' ? request.objects
    : request.op === 'verify' ? request.objects.map((object) => object.path)
    : request.op === 'bench' ? [request.object]
    : request.op === 'selftest' ? request.jobs.map((job) => job.object)
    : [];
  return [...new Set(paths)];
}

/** The request with each object path replaced by rename(path); everything else is kept. */
export function renameRequestObjects(request: AgentRequest, rename: (path: string) => string): AgentRequest {
  switch (request.op) {
    case 'probe':
      return { ...request, objects: request.objects.map(rename) };
    case 'verify':
      return { ...request, objects: request.objects.map((object) => ({ ...object, path: rename(object.path) })) };
    case 'bench':
      return { ...request, object: rename(request.object) };
    case 'selftest':
      return { ...request, jobs: request.jobs.map((job) => ({ ...job, object: rename(job.object) })) };
    default:
      return request;
  }
}
