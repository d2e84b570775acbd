// Env provider: secret "app-us" is the JSON in $TRIBUTARY_SECRET_APP_US (prefix configurable).
import { SecretNotFoundError, type Credentials, type SecretSource } from './source.js';

export function envVarName(prefix: string, name: string): string {
  return prefix + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function envSecrets(prefix: string, env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    fetch(name) {
      const variable = envVarName(prefix, name);
      const raw = env[variable];
      if (!raw) return Promise.reject(new SecretNotFoundError(name, `the environment variable ${variable}`));
      try {
        return Promise.resolve(JSON.parse(raw) as Credentials);
      } catch {
        return Promise.reject(new Error(`secret "${name}" in ${variable} is not valid JSON`));
      }
    },
  };
}
