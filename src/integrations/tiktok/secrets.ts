// Moved to the kernel (other integrations seal their credentials the same way).
export { encryptSecret, decryptSecret } from '../../platform/secrets.js';
