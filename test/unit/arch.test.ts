import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, ARCH_NAMES, archFromNode, findArch, isArch, parseArch, type ArchNames } from '../../harness/util/arch.js';
import { makeEnv } from '../../harness/kernel/toolchain.js';
import { selftestFlags } from '../../harness/selftests/compile.js';
import { specArch } from '../../harness/selftests/spec.js';
import { projectPath } from '../../harness/util/paths.js';

// Spellings that may be empty or absent: a native build has no cross prefix, x86_64 uses QEMU's default machine.
const MAY_BE_EMPTY: ReadonlySet<keyof ArchNames> = new Set(['crossCompile', 'qemuMachine']);

t.test('every arch has every spelling, and no two arches share one', async (t) => {
  const fields = Object.keys(ARCH_NAMES.x86_64).sort() as Array<keyof ArchNames>;
  t.same(Object.keys(ARCH_NAMES).sort(), [...ARCHES].sort(), 'one table row per arch');
  for (const arch of ARCHES) {
    t.same(Object.keys(ARCH_NAMES[arch]).sort(), fields, `${arch} has the same fields`);
    for (const field of fields) {
      const value: string | undefined = ARCH_NAMES[arch][field];
      if (MAY_BE_EMPTY.has(field)) continue;
      t.ok(typeof value === 'string' && value.length > 0, `${arch}.${field} is spelled`);
      t.equal(findArch(field, value!), arch, `${field} "${value}" names ${arch} only`);
    }
  }
});

t.test('node → arch → node round trips; other Node arches have no Arch', async (t) => {
  for (const arch of ARCHES) {
    t.equal(archFromNode(ARCH_NAMES[arch].node), arch);
    t.equal(ARCH_NAMES[archFromNode(ARCH_NAMES[arch].node)!].node, ARCH_NAMES[arch].node);
  }
  t.equal(archFromNode('x64'), 'x86_64');
  t.equal(archFromNode('riscv64'), undefined);
  t.equal(archFromNode('x86_64'), undefined, "the kernel's name is not Node's");
  t.ok(archFromNode(process.arch) === undefined || isArch(archFromNode(process.arch)!));
});

t.test('parseArch takes only kptrlab names and says which ones it takes', async (t) => {
  for (const arch of ARCHES) t.equal(parseArch(arch), arch);
  for (const text of ['x64', 'amd64', '', 'X86_64', 'aarch64', 'sparc']) {
    t.throws(() => parseArch(text), { code: 'ARCH_UNKNOWN', exitCode: 2, message: `unknown architecture "${text}"`, hint: /Use one of: x86_64, arm64\./ }, `rejects "${text}"`);
  }
  t.throws(() => parseArch('amd64'), { code: 'ARCH_UNKNOWN', hint: /"amd64" is another tool's name for x86_64/ });
  t.throws(() => parseArch('aarch64'), { code: 'ARCH_UNKNOWN', hint: /another tool's name for arm64/ });
  t.throws(() => parseArch('', '--arch'), { message: 'unknown --arch ""', hint: 'Use one of: x86_64, arm64.' }, 'the empty string matches no empty spelling');
});

// These spellings end up in cache keys and folder names (~hours of kernel builds): changing one is a cache miss.
t.test('the spellings cache keys and paths are made of stay as they were', async (t) => {
  t.same([...ARCHES], ['x86_64', 'arm64'], 'kernel keys start with the arch');
  t.same(makeEnv('x86_64', 4), { arch: 'x86_64', makeArgs: ['-j4', 'ARCH=x86_64'], vars: { ARCH: 'x86_64' }, imagePath: 'arch/x86/boot/bzImage', imageTarget: 'bzImage' },
    'x86_64 builds natively: the key holds the version line of plain gcc');
  t.same(makeEnv('arm64', 4).makeArgs, ['-j4', 'ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-']);
  t.equal(makeEnv('arm64').imagePath, 'arch/arm64/boot/Image');
  t.ok(selftestFlags('x86_64').includes('-D__TARGET_ARCH_x86'), 'object keys hold the flags');
  t.ok(selftestFlags('arm64').includes('-D__TARGET_ARCH_arm64'));
  t.same(ARCHES.map((arch) => ARCH_NAMES[arch].node), ['x64', 'arm64'], 'libbpf cache folders use Node names');
});

t.test("selftests' __arch names: ours, uname's, and arches kptrlab has no names for", async (t) => {
  t.equal(specArch('x86_64'), 'X86_64');
  t.equal(specArch('arm64'), 'ARM64');
  t.equal(specArch(ARCH_NAMES.arm64.uname), 'ARM64');
  t.equal(specArch('riscv64'), 'RISCV64');
  t.equal(specArch('loongarch64'), 'LOONGARCH');
  t.equal(specArch('toString'), 'UNKNOWN');
  t.equal(specArch(''), 'UNKNOWN');
});

// Other tools' spellings of an arch belong in util/arch.ts. 'x64' and 'x86' only when quoted: x86_64 contains x86.
const FORBIDDEN = [/aarch64/, /amd64/, /['"`]x64['"`]/, /['"`]x86['"`]/];
// Files that may keep such a spelling, each with why.
const ALLOWED: Record<string, string> = {
  'util/arch.ts': 'the one place that names architectures',
};

function harnessSources(): string[] {
  const root = projectPath('harness');
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.split('/').includes('node_modules'))
    .sort();
}

// Whole-line comments may name a spelling as an example; code and trailing comments may not.
function codeLines(text: string): Array<{ line: number; text: string }> {
  return text
    .split('\n')
    .map((line, index) => ({ line: index + 1, text: line }))
    .filter(({ text }) => !/^\s*(\/\/|\/\*|\*)/.test(text));
}

t.test('no arch spelling outside util/arch.ts', async (t) => {
  const files = harnessSources();
  t.ok(files.length > 50, `read ${files.length} harness sources`);
  t.ok(files.includes('util/arch.ts'));
  const found: string[] = [];
  for (const file of files) {
    if (Object.hasOwn(ALLOWED, file)) continue;
    for (const { line, text } of codeLines(readFileSync(join(projectPath('harness'), file), 'utf8'))) {
      if (FORBIDDEN.some((pattern) => pattern.test(text))) found.push(`harness/${file}:${line}: ${text.trim()}`);
    }
  }
  t.same(found, [], 'use ARCH_NAMES from harness/util/arch.ts instead');
});

t.test('the checker sees a scattered spelling (failing path)', async (t) => {
  const lines = codeLines("// linux-image-amd64 in a comment is fine\nconst pkg = 'linux-image-amd64';\nconst a = arch === 'x64';\nconst b = 'x86_64';\n");
  const hits = lines.filter(({ text }) => FORBIDDEN.some((pattern) => pattern.test(text))).map(({ line }) => line);
  t.same(hits, [2, 3]);
});

t.test('util/arch.ts imports only from util/', async (t) => {
  const text = readFileSync(projectPath('harness', 'util', 'arch.ts'), 'utf8');
  const from = [...text.matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
  t.ok(from.every((path) => path.startsWith('./') || path.startsWith('node:')), from.join(', '));
});
