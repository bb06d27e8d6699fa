import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('secrets on a fresh DATA_DIR', () => {
  it('processes starting together all end up with the same secrets, and one complete file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-secrets-'));
    const go = path.join(os.tmpdir(), `afterdesk-go-${process.pid}-${Date.now()}`);
    // Every process loads first, then waits for the same signal, so the six calls really overlap.
    const script = `import fs from 'node:fs'; import { loadOrCreateSecrets } from ${JSON.stringify(path.resolve('src/app/runtime.ts'))};
      process.stderr.write('ready\\n'); while (!fs.existsSync(${JSON.stringify(go)})) {}
      process.stdout.write(loadOrCreateSecrets(${JSON.stringify(dir)}).secretKey);`;
    let ready = 0;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => {
          err += d;
          if (String(d).includes('ready') && ++ready === 6) fs.writeFileSync(go, '');
        });
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const keys = await Promise.all(Array.from({ length: 6 }, run));
    fs.rmSync(go, { force: true });
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).secretKey).toBe(keys[0]);
    expect(fs.readdirSync(dir)).toEqual(['secrets.json']);
  }, 60_000);
});
