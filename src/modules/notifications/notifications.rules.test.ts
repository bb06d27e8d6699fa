import { describe, expect, it } from 'vitest';
import { recipientsFor } from './notifications.rules.js';

const people = [
  { id: 'o', role: 'owner', active: true },
  { id: 's1', role: 'supervisor', active: true },
  { id: 's2', role: 'supervisor', active: false },
  { id: 'a', role: 'agent', active: true },
];

describe('recipientsFor', () => {
  it.each([
    [['a'], null, ['a']],
    [{ role: ['supervisor'] }, null, ['s1']],
    [{ role: ['supervisor', 'owner'] }, 'o', ['s1']],
    [{ role: ['supervisor'], userIds: ['a', 's1'] }, null, ['s1', 'a']],
    [['s2', 'nobody'], null, []],
  ] as const)('%j except %s → %j', (to, except, want) => expect(recipientsFor(people, to as never, except)).toEqual(want));
});
