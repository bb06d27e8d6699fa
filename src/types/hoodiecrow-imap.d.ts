/** The parts of hoodiecrow-imap (an in-memory IMAP server, no types of its own) the demo uses. */
declare module 'hoodiecrow-imap' {
  import type { Server } from 'node:net';

  export interface HoodiecrowFolder {
    uidvalidity?: number;
    'special-use'?: string;
    separator?: string;
    folders?: Record<string, HoodiecrowFolder>;
    messages?: { raw: string; flags?: string[]; internaldate?: Date | string }[];
  }

  export interface HoodiecrowOptions {
    plugins?: string[];
    users?: Record<string, { password: string }>;
    storage?: Record<string, HoodiecrowFolder>;
    debug?: boolean;
  }

  export interface HoodiecrowServer {
    server: Server;
    listen(port: number, host: string, cb: () => void): void;
    close(cb?: () => void): void;
    /** Put a raw message into a folder and tell the connections that watch it (IDLE sees EXISTS). */
    appendMessage(folder: string, flags: string[], internaldate: Date | false, raw: string): unknown;
  }

  function hoodiecrow(options?: HoodiecrowOptions): HoodiecrowServer;
  export default hoodiecrow;
}
