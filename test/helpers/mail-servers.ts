/**
 * Real mail servers for the e-mail tests: Debian's dovecot (IMAP) started in a temp folder with
 * its own config (loopback only, a passwd file, mail owned by a non-root user), and an SMTP server
 * (npm `smtp-server`) that accepts mail for those users and delivers it into their Maildir, where
 * dovecot finds it. No packaged service is used; both stop with `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export const DOVECOT = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => fs.existsSync(p));

/** Browser-test rule for mail: skip only where dovecot is missing and CI is unset. */
export function mailServersAvailable(): boolean {
  if (DOVECOT) return true;
  if (process.env.CI) throw new Error('dovecot is not installed (apt-get install dovecot-imapd); CI must run the mail tests');
  return false;
}

export interface MailUser {
  user: string;
  pass: string;
  /** The address mail to this user is delivered for. */
  address: string;
}

export interface MailServers {
  imapPort: number;
  smtpPort: number;
  users: MailUser[];
  /** Every message the SMTP server accepted (raw bytes + envelope), in order. */
  received: { from: string; to: string[]; raw: Buffer }[];
  /** Put a raw message straight into a user's INBOX (as a delivery agent would). */
  deliver(user: string, raw: string | Buffer): void;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startMailServers(users: MailUser[]): Promise<MailServers> {
  if (!DOVECOT) throw new Error('dovecot is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-mail-'));
  fs.chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  // As root the mail belongs to `nobody` (dovecot refuses root mail users); otherwise to us.
  const mailUid = root ? 65534 : process.getuid!();
  const mailGid = root ? 65534 : process.getgid!();
  const me = os.userInfo().username;
  const imapPort = await freePort();

  const home = (u: string) => path.join(dir, 'home', u);
  for (const u of users) {
    for (const sub of ['', 'Maildir', 'Maildir/new', 'Maildir/cur', 'Maildir/tmp']) {
      const p = path.join(home(u.user), sub);
      fs.mkdirSync(p, { recursive: true });
      if (root) fs.chownSync(p, mailUid, mailGid);
    }
  }
  if (root) fs.chownSync(path.join(dir, 'home'), mailUid, mailGid);
  fs.writeFileSync(path.join(dir, 'passwd'), users.map((u) => `${u.user}:{PLAIN}${u.pass}:${mailUid}:${mailGid}::${home(u.user)}`).join('\n') + '\n');
  const conf = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    'log_path = /dev/stderr',
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `first_valid_uid = ${Math.min(mailUid, 1)}`,
    ...(root ? [] : [`default_internal_user = ${me}`, `default_login_user = ${me}`, `default_internal_group = ${os.userInfo().username}`]),
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
    `userdb {\n  driver = passwd-file\n  args = username_format=%u ${dir}/passwd\n}`,
    'mail_location = maildir:~/Maildir',
    `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${imapPort}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
    'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}',
    'namespace inbox {\n  inbox = yes\n  mailbox Sent {\n    special_use = \\Sent\n    auto = create\n  }\n}',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'dovecot.conf'), conf + '\n');
  const check = spawnSync(DOVECOT, ['-c', path.join(dir, 'dovecot.conf'), '-n'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`dovecot config refused: ${check.stderr}`);
  let log = '';
  const dovecot: ChildProcess = spawn(DOVECOT, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  dovecot.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await waitForPort(imapPort);
  } catch (e) {
    dovecot.kill('SIGKILL');
    throw new Error(`dovecot did not start: ${(e as Error).message}\n${log}`);
  }

  const deliver = (user: string, raw: string | Buffer) => {
    const name = `${Date.now()}.${crypto.randomBytes(6).toString('hex')}.afterdesk-test`;
    const tmp = path.join(home(user), 'Maildir/tmp', name);
    fs.writeFileSync(tmp, typeof raw === 'string' ? raw.replace(/\r?\n/g, '\r\n') : raw);
    if (root) fs.chownSync(tmp, mailUid, mailGid);
    fs.renameSync(tmp, path.join(home(user), 'Maildir/new', name));
  };

  const received: MailServers['received'] = [];
  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      const u = users.find((x) => x.user === auth.username && x.pass === auth.password);
      if (!u) return cb(new Error('Invalid username or password'));
      cb(null, { user: u.user });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to, raw });
        for (const addr of to) {
          const u = users.find((x) => x.address.toLowerCase() === addr);
          if (u) deliver(u.user, raw);
        }
        cb();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));

  return {
    imapPort,
    smtpPort,
    users,
    received,
    deliver,
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => {
        if (dovecot.exitCode !== null) return resolve();
        dovecot.once('exit', () => resolve());
        dovecot.kill('SIGTERM');
        setTimeout(() => dovecot.kill('SIGKILL'), 3000).unref();
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
