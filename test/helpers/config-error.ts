// The ConfigError a config text raises (a test fails when it parses).
import { parseRunConfig } from '../../harness/config/run-config.js';
import { ConfigError } from '../../harness/util/config-error.js';

export function configErrorOf(text: string, file = 'cfg.yaml'): ConfigError {
  try {
    parseRunConfig(file, text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
