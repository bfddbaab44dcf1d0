import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A self-signed certificate for `name` and `*.name`, made in `dir` (openssl, from the `test` prerequisites). */
export async function selfSigned(dir: string, name: string): Promise<{ chainPem: string; keyPem: string }> {
  const [key, crt] = [join(dir, `${name}.key`), join(dir, `${name}.crt`)];
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},DNS:*.${name}`]);
  return { chainPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
}
