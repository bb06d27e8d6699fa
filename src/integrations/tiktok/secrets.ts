// The cipher moved to the kernel so modules (two-factor secrets, webhook secrets) share it.
export { decryptSecret, encryptSecret } from '../../platform/secrets.js';
