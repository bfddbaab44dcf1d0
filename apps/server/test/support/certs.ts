import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const openssl = (args: string[], cwd: string) => execFileAsync('openssl', args, { cwd });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface Pem {
  cert: string;
  key: string;
}

/**
 * Test certificates made by openssl (argument arrays, no shell) in a temp dir: a CA, leaves it signs, self-signed
 * ones. `cleanup()` removes the dir.
 */
export async function certificateFactory() {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-certs-'));
  let n = 0;
  const read = async (name: string) => readFile(path.join(dir, name), 'utf8');

  async function ca(cn = 'Platform Test CA'): Promise<Pem & { name: string }> {
    const name = `ca${++n}`;
    await openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`], dir);
    return { name, cert: await read(`${name}.crt`), key: await read(`${name}.key`) };
  }

  return {
    dir,
    ca,
    /** A leaf for `names` (SANs) signed by `issuer`, valid `days` days. */
    async leaf(issuer: { name: string }, names: string[], days = 90): Promise<Pem> {
      const name = `leaf${++n}`;
      await writeFile(path.join(dir, `${name}.ext`), `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}\n`);
      await openssl(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${names[0]}`], dir);
      await openssl(
        ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer.name}.crt`, '-CAkey', `${issuer.name}.key`, '-CAcreateserial',
          '-days', String(days), '-out', `${name}.crt`, '-extfile', `${name}.ext`],
        dir,
      );
      return { cert: await read(`${name}.crt`), key: await read(`${name}.key`) };
    },
    /** A self-signed certificate for `names`. */
    async selfSigned(names: string[], days = 90): Promise<Pem> {
      const name = `self${++n}`;
      await openssl(
        ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', String(days), '-subj', `/CN=${names[0]}`,
          '-addext', `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}`],
        dir,
      );
      return { cert: await read(`${name}.crt`), key: await read(`${name}.key`) };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
