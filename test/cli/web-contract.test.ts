import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.resolve('bin/check-web-contract.mjs');
let dir: string | undefined;

function tree(files: Record<string, string>): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-contract-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function check(root: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [script, root], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { code: err.status, out: err.stderr };
  }
}

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the web app imports only the server contract', () => {
  it('passes DTO type imports and refuses a service, a value import of a DTO and a kernel file', () => {
    const ok = tree({
      'src/web/src/a.tsx': "import type { X } from '../../modules/m/m.dto.js';\nimport { type Y } from '../../modules/m/m.dto';\nexport const a = <div />;\n",
    });
    expect(check(ok)).toEqual({ code: 0, out: 'web contract: 1 web files import only the server\'s contract\n' });

    const bad = tree({
      'src/web/src/b.tsx': [
        "import { service } from '../../modules/m/m.service.js';",
        "import { Dto } from '../../modules/m/m.dto.js';",
        "export type { Role } from '../../platform/tenancy.js';",
        'export const b = <div />;',
      ].join('\n'),
    });
    const res = check(bad);
    expect(res.code).toBe(1);
    expect(res.out).toContain('web contract: 3 forbidden import(s)');
    expect(res.out).toContain('src/web/src/b.tsx: imports src/modules/m/m.service.ts');
    expect(res.out).toContain('src/web/src/b.tsx: imports src/modules/m/m.dto.ts as a value, but it is not a pure contract (src/modules/m/m.dto.ts does not exist)');
    expect(res.out).toContain('src/web/src/b.tsx: imports src/platform/tenancy.ts');
  });

  it('lets a form import a pure DTO schema as a value, and refuses one that pulls in server code', () => {
    const pure = tree({
      'src/web/src/f.tsx': "import { Body } from '../../modules/m/m.dto.js';\nexport const f = Body;\n",
      'src/modules/m/m.dto.ts': "import { z } from 'zod';\nimport { Page } from '../../platform/page.dto.js';\nimport type { Row } from './m.service.js';\nexport const Body = z.object({ p: Page });\n",
      'src/platform/page.dto.ts': "import { z } from 'zod';\nexport const Page = z.number();\n",
    });
    expect(check(pure).code).toBe(0);

    const impure = tree({
      'src/web/src/f.tsx': "import { Body } from '../../modules/m/m.dto.js';\nexport const f = Body;\n",
      'src/modules/m/m.dto.ts': "import { z } from 'zod';\nimport { Limits } from '../n/index.js';\nexport const Body = z.object({ n: Limits });\n",
      'src/modules/n/index.ts': "export { Limits } from './n.service.js';\n",
      'src/modules/n/n.service.ts': "import pg from 'pg';\nexport const Limits = pg;\n",
    });
    const res = check(impure);
    expect(res.code).toBe(1);
    expect(res.out).toContain('src/web/src/f.tsx: imports src/modules/m/m.dto.ts as a value, but it is not a pure contract (src/modules/n/n.service.ts imports pg)');
  });
});
