// What a patch subject says about its place in a series: "[PATCH bpf-next v5 2/3] bpf: ..." → version 5, 2 of 3.

export interface SubjectTag {
  /** 1 when the tag names no version. */
  version: number;
  /** 0 for a cover letter; undefined for a lone patch ("[PATCH]"). */
  index: number | undefined;
  total: number | undefined;
  /** The subject without its [PATCH ...] tag. */
  title: string;
  /** Whether a [PATCH ...] (or [RFC PATCH ...]) tag was there at all. */
  tagged: boolean;
}

/** Reads the [PATCH ...] tag of a subject (Re: and Fwd: subjects are replies, not patches: tagged is false). */
export function parseSubject(subject: string): SubjectTag {
  const text = subject.replace(/\s+/g, ' ').trim();
  const tag = /^\[([^\]]*\bPATCH\b[^\]]*)\]\s*(.*)$/i.exec(text);
  if (!tag) return { version: 1, index: undefined, total: undefined, title: text, tagged: false };
  const words = tag[1]!.split(' ');
  const version = words.map((word) => /^v(\d+)$/i.exec(word)).find(Boolean);
  const position = words.map((word) => /^(\d+)\/(\d+)$/.exec(word)).find(Boolean);
  return {
    version: version ? Number(version[1]) : 1,
    index: position ? Number(position[1]) : undefined,
    total: position ? Number(position[2]) : undefined,
    title: tag[2]!,
    tagged: true,
  };
}
