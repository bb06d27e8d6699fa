import { forgetTestDatabase } from './db.js';

// Runs before each test file (vitest `setupFiles`), in the worker that runs it.
forgetTestDatabase();
