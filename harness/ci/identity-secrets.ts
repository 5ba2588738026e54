// SSH identities for lab shards kept as repository secrets: written to the inventory's identity path before the run,
// removed after it. A file already there (a lab runner's own key) is left alone.
import { ExitCode, KptrlabError } from '../util/errors.js';

export interface IdentitySecret {
  /** Repository secret holding the private key (OpenSSH format). */
  secret: string;
  /** Where the inventory's identity: points on the runner (~/ is the runner user's home). */
  path: string;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTITY_PATH = /^(~\/)?[A-Za-z0-9_.@+/-]+$/;

/** "SECRET=PATH" from --identity-secret. */
export function parseIdentitySecret(text: string): IdentitySecret {
  const [secret = '', path = ''] = text.split(/=(.*)/s, 2);
  if (!SECRET_NAME.test(secret) || secret.toUpperCase().startsWith('GITHUB_')) {
    throw new KptrlabError('CI_SECRET_INVALID', `--identity-secret ${text}: "${secret}" is not a repository secret name`, { hint: 'Use SECRET=PATH with a secret name of letters, digits and "_" not starting with GITHUB_, e.g. --identity-secret KPTRLAB_LAB_KEY=~/.ssh/kptrlab_lab.', exitCode: ExitCode.usage });
  }
  if (!IDENTITY_PATH.test(path) || path.split('/').includes('..')) {
    throw new KptrlabError('CI_SECRET_INVALID', `--identity-secret ${text}: "${path}" is not a path the job can write`, { hint: 'Give the identity path of the inventory (e.g. ~/.ssh/kptrlab_lab), of letters, digits and "_.@+/-".', exitCode: ExitCode.usage });
  }
  return { secret, path };
}

const env = (identities: readonly IdentitySecret[], withSecrets: boolean) =>
  Object.fromEntries(identities.flatMap((identity, index) => [
    ...(withSecrets ? [[`KPTRLAB_IDENTITY_${index + 1}`, `\${{ secrets.${identity.secret} }}`]] : []),
    [`KPTRLAB_IDENTITY_${index + 1}_PATH`, identity.path],
  ]));

/** The step that writes each secret to its path (mode 600), only on shards that drive a lab machine. */
export function identityStep(identities: readonly IdentitySecret[]): Record<string, unknown> {
  const calls = identities.map((_, index) => `write_identity "$KPTRLAB_IDENTITY_${index + 1}" "$KPTRLAB_IDENTITY_${index + 1}_PATH"`);
  return {
    name: 'Write the lab SSH identities (repository secrets)',
    if: 'matrix.lab',
    env: env(identities, true),
    run: `umask 077
write_identity() {
  local path="\${2/#\\~/$HOME}"
  if [ -e "$path" ]; then echo "keeping the identity already at $path"; return; fi
  if [ -z "$1" ]; then echo "::error::the secret for $2 is empty or not set"; exit 1; fi
  mkdir -p "$(dirname "$path")"
  printf '%s\\n' "$1" > "$path"
  echo "$path" >> "$RUNNER_TEMP/kptrlab-identities"
}
${calls.join('\n')}
`,
  };
}

/** Removes the identity files the job wrote, whatever the run's outcome. */
export function identityCleanupStep(identities: readonly IdentitySecret[]): Record<string, unknown> {
  return {
    name: 'Remove the lab SSH identities',
    if: 'always() && matrix.lab',
    run: 'if [ -f "$RUNNER_TEMP/kptrlab-identities" ]; then xargs -r -d \'\\n\' rm -f -- < "$RUNNER_TEMP/kptrlab-identities"; rm -f "$RUNNER_TEMP/kptrlab-identities"; fi\n',
  };
}
