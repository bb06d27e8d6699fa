import { describe, expect, it } from 'vitest';
import { authenticationResults, automatedKind, failedStep, isOwnMail, ourMessageId, replySubject, spoofSuspect, ticketNumberIn } from './email.rules.js';

const h = (o: Record<string, unknown>) => ({ get: (n: string) => o[n] });

describe('mail a machine wrote', () => {
  it('tells bounces, auto-replies and list mail from a buyer writing', () => {
    expect(automatedKind(h({}), 'MAILER-DAEMON@mx.example.com', 'Undelivered Mail Returned to Sender')).toBe('bounce');
    expect(automatedKind(h({ 'content-type': { value: 'multipart/report', params: { 'report-type': 'delivery-status' } } }), 'mx@example.com', 'x')).toBe('bounce');
    expect(automatedKind(h({ 'x-failed-recipients': 'a@b.c' }), 'mx@example.com', 'x')).toBe('bounce');
    expect(automatedKind(h({ 'auto-submitted': 'auto-replied' }), 'anna@example.de', 'Re: Bestellung')).toBe('auto_reply');
    expect(automatedKind(h({ 'auto-submitted': 'no' }), 'anna@example.de', 'Re: Bestellung')).toBeUndefined();
    expect(automatedKind(h({ 'x-autoreply': 'yes' }), 'anna@example.de', 'x')).toBe('auto_reply');
    expect(automatedKind(h({ precedence: 'auto_reply' }), 'anna@example.de', 'x')).toBe('auto_reply');
    expect(automatedKind(h({}), 'anna@example.de', 'Abwesenheitsnotiz: Ihre Bestellung')).toBe('auto_reply');
    expect(automatedKind(h({}), 'luc@example.fr', 'Réponse automatique : commande')).toBe('auto_reply');
    expect(automatedKind(h({ 'list-id': '<news.example.com>' }), 'news@example.com', 'Weekly deals')).toBe('list');
    expect(automatedKind(h({ precedence: 'bulk' }), 'news@example.com', 'Deals')).toBe('list');
    expect(automatedKind(h({}), 'anna@example.de', 'Das Armband ist kaputt')).toBeUndefined();
  });
});

describe('authentication results', () => {
  it('reads SPF, DKIM and DMARC verdicts the receiving server wrote', () => {
    expect(authenticationResults(h({ 'authentication-results': 'mx.shop.test; spf=pass smtp.mailfrom=example.de; dkim=fail header.d=example.de; dmarc=fail (p=reject) header.from=example.de' }))).toEqual({ spf: 'pass', dkim: 'fail', dmarc: 'fail' });
    expect(authenticationResults(h({ 'authentication-results': 'mx.shop.test; spf=softfail' }))).toEqual({ spf: 'softfail', dkim: null, dmarc: null });
    expect(authenticationResults(h({}))).toBeUndefined();
  });
});

describe('our own mail and spoofing', () => {
  const mailbox = { address: 'support@voltix.test' };
  it('recognises a copy of a mail we sent by its Message-ID and sender', () => {
    const id = ourMessageId('obx_01abc:email', 'voltix.test');
    expect(id).toBe('<ad.obx_01abc_email@voltix.test>');
    expect(isOwnMail(id, 'support@voltix.test', mailbox)).toBe(true);
    // Someone else using our pattern from another address is not our copy.
    expect(isOwnMail(id, 'anna@example.de', mailbox)).toBe(false);
    expect(isOwnMail('<CAF=123@mail.gmail.com>', 'support@voltix.test', mailbox)).toBe(false);
  });
  it('flags mail that claims to be from the shop or an agent', () => {
    expect(spoofSuspect('Support@Voltix.test', { mailbox: 'support@voltix.test', agents: [] })).toBe(true);
    expect(spoofSuspect('mia@voltix.test', { mailbox: 'support@voltix.test', agents: ['mia@voltix.test'] })).toBe(true);
    expect(spoofSuspect('anna@example.de', { mailbox: 'support@voltix.test', agents: ['mia@voltix.test'] })).toBe(false);
  });
});

describe('ticket tokens in subjects', () => {
  it('finds and writes the token once', () => {
    expect(ticketNumberIn('Re: Strap smell [#1042]')).toBe(1042);
    expect(ticketNumberIn('Strap smell')).toBeUndefined();
    expect(replySubject('Strap smell', 1042)).toBe('Re: Strap smell [#1042]');
    expect(replySubject('Re: Strap smell [#1042]', 1042)).toBe('Re: Strap smell [#1042]');
  });
});

describe('which connection step failed', () => {
  it('names DNS, connect, TLS, login and folder failures', () => {
    expect(failedStep({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND imap.nowhere' }, 'imap')).toBe('dns');
    expect(failedStep({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'imap')).toBe('connect');
    expect(failedStep({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number' }, 'imap')).toBe('tls');
    expect(failedStep({ authenticationFailed: true, message: 'Command failed' }, 'imap')).toBe('login');
    expect(failedStep({ message: 'Mailbox doesn\'t exist: Archive', serverResponseCode: 'NONEXISTENT' }, 'imap')).toBe('folder');
    expect(failedStep({ code: 'EAUTH', message: 'Invalid login' }, 'smtp')).toBe('smtp');
  });
});
