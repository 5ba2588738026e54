import t from 'tap';
import { lostOptions, parseKconfig } from '../../harness/kernel/kconfig.js';

t.test('parseKconfig reads set and unset options', async (t) => {
  const values = parseKconfig('# comment\nCONFIG_BPF=y\nCONFIG_NR_CPUS=8\n# CONFIG_KASAN is not set\nCONFIG_CMDLINE="a b"\n');
  t.same([...values], [['CONFIG_BPF', 'y'], ['CONFIG_NR_CPUS', '8'], ['CONFIG_KASAN', 'n'], ['CONFIG_CMDLINE', '"a b"']]);
});

t.test('an option that did not survive olddefconfig is reported with its fragment', async (t) => {
  const fragments = [
    { name: 'base.config', text: 'CONFIG_BPF=y\nCONFIG_PROC_SYSCTL=y\n# CONFIG_MODULES is not set\n' },
    { name: 'x86_64.config', text: 'CONFIG_ACPI=y\nCONFIG_NR_CPUS=4\n' },
  ];
  const final = 'CONFIG_BPF=y\nCONFIG_ACPI=m\nCONFIG_NR_CPUS=4\n# CONFIG_PROC_SYSCTL is not set\n';
  t.same(lostOptions(fragments, final), [
    { option: 'CONFIG_PROC_SYSCTL', wanted: 'y', got: 'n', fragment: 'base.config' },
    { option: 'CONFIG_ACPI', wanted: 'y', got: 'm', fragment: 'x86_64.config' },
  ]);
});

t.test('everything surviving reports nothing; absent means not set', async (t) => {
  t.same(lostOptions([{ name: 'f', text: 'CONFIG_A=y\n# CONFIG_B is not set\n' }], 'CONFIG_A=y\n'), []);
});
