import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, zodIssues } from './validation.js';

const Input = z
  .strictObject({ email: z.string().email(), address: z.strictObject({ city: z.string().min(1) }), from: z.string().optional(), to: z.string().optional() })
  .refine((v) => !v.from || !!v.to, { message: 'from needs to' });

function errorOf(v: unknown): z.ZodError {
  const r = Input.safeParse(v);
  if (r.success) throw new Error('expected a failure');
  return r.error;
}

describe('zodIssues', () => {
  it('joins the path with dots and keeps Zod’s message', () => {
    const issues = zodIssues(errorOf({ email: 'nope', address: { city: '' } }));
    expect(issues.map((i) => i.field)).toEqual(['email', 'address.city']);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('puts the prefix before every field, and names a whole-input issue `root`', () => {
    const e = errorOf({ email: 'a@b.co', address: { city: 'Łódź' }, from: '2026-01-01' });
    expect(zodIssues(e)).toEqual([{ field: '', message: 'from needs to' }]);
    expect(zodIssues(e, { root: 'body' })).toEqual([{ field: 'body', message: 'from needs to' }]);
    expect(zodIssues(e, { prefix: '--', root: '?' })).toEqual([{ field: '--?', message: 'from needs to' }]);
    expect(zodIssues(errorOf({ email: 'a@b.co', address: { city: '' } }), { prefix: '--' }).map((i) => i.field)).toEqual(['--address.city']);
    expect(zodIssues(errorOf({ email: 'a@b.co', address: { city: '' } }), { prefix: '--', topLevel: true }).map((i) => i.field)).toEqual(['--address']);
  });
});

describe('describeIssues', () => {
  it('writes field: message pairs on one line', () => {
    expect(describeIssues([{ field: 'a.b', message: 'required' }, { field: 'c', message: 'too long' }])).toBe('a.b: required; c: too long');
    expect(describeIssues([])).toBe('');
  });
});
