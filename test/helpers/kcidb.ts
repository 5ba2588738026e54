// KCIDB I/O schema v5.3 (test/fixtures/kcidb, kcidb-io's schema unchanged) compiled with ajv, for validator tests.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { projectPath } from '../../harness/util/paths.js';

// ajv-formats is CommonJS: under ESM its function is the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

/** The schema has no $schema keyword: its $defs, const and formats are all draft-07-compatible, ajv's default class. */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(projectPath('test', 'fixtures', 'kcidb', 'kcidb.v5.3.schema.json'), 'utf8')) as object;
  // strict: an unknown keyword or format in the schema is an error here, never silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

/** [] when the data is valid KCIDB v5.3; else one "<instance path>: <message>" per schema error. */
export function kcidbErrors(data: unknown): string[] {
  const validate = validator();
  if (validate(data)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}${error.params && 'allowedValues' in error.params ? ` ${JSON.stringify(error.params.allowedValues)}` : ''}`);
}
