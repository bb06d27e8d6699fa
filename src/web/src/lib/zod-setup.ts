/**
 * Zod compiles fast object parsers with `new Function` unless told not to. Our content security
 * policy forbids eval, and even Zod's probe for it is reported as a violation; so the web app turns
 * that off before any schema is built (this module is the first import of `main.tsx`: schemas decide
 * at construction time).
 */
import { config } from 'zod';

config({ jitless: true });
